//! The identity-graph engine behind creating customers, adding identifiers and reviewing
//! merges: find who already holds each identifier, merge profiles that share a verified strong
//! identifier, propose the rest for review, and perform or reverse merges — all inside the
//! caller's write transaction, each change with its event.

use std::collections::BTreeSet;

use omni_domain::customers::{
    Customer, CustomerStatus, Identifier, IdentifierKind, MatchDecision, Merge, MergeStatus,
    consent_bits, decide_match, merge_profiles,
};
use omni_domain::events::DomainEvent;
use omni_kernel::{CustomerId, TenantId, Timestamp};
use omni_store::WriteTx;
use serde_json::json;

use crate::ApiError;

/// Who already holds the identifiers being linked.
#[derive(Debug, Default)]
pub struct Owners {
    /// Active profiles sharing a verified strong identifier with the request: the same person.
    pub strong: BTreeSet<CustomerId>,
    /// Plausible matches to propose: (profile, matched kind, confidence).
    pub weak: Vec<(CustomerId, IdentifierKind, f64)>,
}

/// Looks up every identifier's current holders, resolved through merges.
pub async fn owners(
    tx: &mut WriteTx,
    tenant: TenantId,
    ids: &[(Identifier, bool)],
) -> Result<Owners, ApiError> {
    let mut out = Owners::default();
    for (id, verified) in ids {
        for held in tx.identifier_owners(tenant, id).await? {
            let owner = tx.resolve_customer(tenant, held.customer_id).await?;
            if owner.status != CustomerStatus::Active {
                continue;
            }
            match decide_match(id.kind, held.verified, *verified) {
                MatchDecision::Merge => {
                    out.strong.insert(owner.id);
                }
                MatchDecision::Propose(c) => out.weak.push((owner.id, id.kind, c)),
            }
        }
    }
    Ok(out)
}

/// Merges every strong owner into the oldest of them and `target` (when given); returns the
/// survivor's id and the merges performed.
pub async fn merge_all(
    tx: &mut WriteTx,
    tenant: TenantId,
    target: Option<CustomerId>,
    strong: &BTreeSet<CustomerId>,
    kind: IdentifierKind,
    now: Timestamp,
) -> Result<Option<(CustomerId, Vec<Merge>)>, ApiError> {
    let mut all: BTreeSet<CustomerId> = strong.clone();
    all.extend(target);
    let Some(survivor) = all.first().copied() else {
        return Ok(None);
    };
    let mut merges = Vec::new();
    for loser in all.into_iter().skip(1) {
        let m = Merge::between(tenant, survivor, loser, kind, MatchDecision::Merge, now);
        let before = tx.customer(tenant, survivor).await?;
        tx.insert_merge(&m, Some(&before)).await?;
        perform(tx, &m, now).await?;
        merges.push(m);
    }
    Ok(Some((survivor, merges)))
}

/// Records proposals for weak matches (never merged automatically).
pub async fn propose(
    tx: &mut WriteTx,
    tenant: TenantId,
    target: CustomerId,
    weak: &[(CustomerId, IdentifierKind, f64)],
    now: Timestamp,
) -> Result<Vec<Merge>, ApiError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (other, kind, confidence) in weak {
        if *other == target || !seen.insert(*other) {
            continue;
        }
        let m = Merge::between(
            tenant,
            target,
            *other,
            *kind,
            MatchDecision::Propose(*confidence),
            now,
        );
        tx.insert_merge(&m, None).await?;
        tx.record(&DomainEvent::new(
            tenant,
            "customer.merge_proposed",
            m.id,
            now,
            json!({"merge_id": m.id, "survivor": m.survivor, "loser": m.loser,
                   "matched_kind": m.matched_kind, "confidence": m.confidence}),
        ))
        .await?;
        out.push(m);
    }
    Ok(out)
}

/// Carries out a merge already stored with status `merged`: the loser's identifiers, timeline
/// and consents move to the survivor, attributes follow the conflict rule, the loser's id
/// resolves to the survivor from now on. Other contexts (carts, orders, points, conversations)
/// follow on the `customer.merged` event.
pub async fn perform(tx: &mut WriteTx, m: &Merge, now: Timestamp) -> Result<Customer, ApiError> {
    let tenant = m.tenant_id;
    let survivor = tx.customer(tenant, m.survivor).await?;
    let loser = tx.customer(tenant, m.loser).await?;
    if survivor.status != CustomerStatus::Active || loser.status != CustomerStatus::Active {
        return Err(ApiError::Conflict("both profiles must be active to merge"));
    }
    tx.move_to_survivor(m).await?;
    let merged = merge_profiles(&survivor, &loser, now);
    tx.update_customer(&merged, survivor.version).await?;
    let mut gone = loser.clone();
    gone.status = CustomerStatus::Merged;
    gone.merged_into = Some(survivor.id);
    gone.version += 1;
    gone.updated_at = now;
    tx.update_customer(&gone, loser.version).await?;
    let bits = consent_bits(&tx.consents(tenant, survivor.id).await?);
    tx.set_consent_bits(tenant, survivor.id, bits, now).await?;
    tx.record(&DomainEvent::new(
        tenant,
        "customer.merged",
        m.survivor,
        now,
        json!({"merge_id": m.id, "survivor": m.survivor, "loser": m.loser, "matched_kind": m.matched_kind}),
    ))
    .await?;
    Ok(merged)
}

/// Reverses a merge: what it moved goes back, the loser is active again and the survivor's
/// attributes return to what they were before the merge (later edits to the survivor's own
/// attributes are kept only where the pre-merge snapshot is missing).
pub async fn reverse(
    tx: &mut WriteTx,
    m: &Merge,
    before: Option<Customer>,
    now: Timestamp,
) -> Result<(), ApiError> {
    let tenant = m.tenant_id;
    debug_assert_eq!(m.status, MergeStatus::Unmerged);
    tx.move_back_to_loser(m).await?;
    let loser = tx.customer(tenant, m.loser).await?;
    let mut back = loser.clone();
    back.status = CustomerStatus::Active;
    back.merged_into = None;
    back.version += 1;
    back.updated_at = now;
    tx.update_customer(&back, loser.version).await?;
    let current = tx.customer(tenant, m.survivor).await?;
    if let Some(mut restored) = before {
        restored.version = current.version + 1;
        restored.updated_at = now;
        tx.update_customer(&restored, current.version).await?;
    }
    for id in [m.survivor, m.loser] {
        let bits = consent_bits(&tx.consents(tenant, id).await?);
        tx.set_consent_bits(tenant, id, bits, now).await?;
    }
    tx.record(&DomainEvent::new(
        tenant,
        "customer.unmerged",
        m.survivor,
        now,
        json!({"merge_id": m.id, "survivor": m.survivor, "loser": m.loser}),
    ))
    .await?;
    Ok(())
}
