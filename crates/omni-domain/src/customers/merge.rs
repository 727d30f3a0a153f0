//! Merging profiles in the identity graph. Two profiles sharing a verified identifier of a
//! strong kind merge at once; anything weaker is proposed for a person to review, never merged
//! automatically. A merge keeps what it moved so it can be reversed. Conflicting attributes
//! follow one documented rule: the most recent verified value wins; without a verified value,
//! the most recent one; on a tie, the survivor's.

use omni_kernel::{CustomerId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Customer, IdentifierKind, MergeId};

/// Where an attribute's value came from: verified or not, and when it was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Provenance {
    pub verified: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// What to do when a new identifier matches an existing profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MatchDecision {
    /// Both sides verified a strong identifier: one person, merge now.
    Merge,
    /// A plausible match: propose it for review with this confidence (0–1).
    Propose(f64),
}

/// The rule for a match on `kind`, given whether each side verified it.
pub fn decide_match(
    kind: IdentifierKind,
    existing_verified: bool,
    new_verified: bool,
) -> MatchDecision {
    if existing_verified && new_verified && kind.merges_when_verified() {
        return MatchDecision::Merge;
    }
    let base = match kind {
        IdentifierKind::Phone | IdentifierKind::Whatsapp | IdentifierKind::LoyaltyCard => 0.8,
        IdentifierKind::Email | IdentifierKind::AppAccount => 0.75,
        IdentifierKind::Telegram | IdentifierKind::Vk => 0.6,
        IdentifierKind::Device | IdentifierKind::QrToken => 0.3,
    };
    let bonus = if existing_verified || new_verified {
        0.1
    } else {
        0.0
    };
    MatchDecision::Propose(base + bonus)
}

/// Lifecycle of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MergeStatus {
    /// Waiting for a person to approve or reject.
    Proposed,
    Merged,
    Rejected,
    /// Reversed: both profiles are separate again.
    Unmerged,
}

impl MergeStatus {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            MergeStatus::Proposed => "proposed",
            MergeStatus::Merged => "merged",
            MergeStatus::Rejected => "rejected",
            MergeStatus::Unmerged => "unmerged",
        }
    }
}

/// A proposed or performed merge of `loser` into `survivor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Merge {
    pub id: MergeId,
    pub tenant_id: TenantId,
    pub survivor: CustomerId,
    pub loser: CustomerId,
    pub status: MergeStatus,
    /// The identifier kind that matched (its value is never stored here).
    pub matched_kind: IdentifierKind,
    pub confidence: f64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// An illegal move of the merge state machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} merge cannot be {verb}")]
pub struct TransitionError {
    pub from: &'static str,
    pub verb: &'static str,
}

impl Merge {
    /// The survivor is the older profile (its id sorts first), so ids printed on old receipts
    /// and cards keep working without a hop.
    pub fn between(
        tenant_id: TenantId,
        a: CustomerId,
        b: CustomerId,
        matched_kind: IdentifierKind,
        decision: MatchDecision,
        now: Timestamp,
    ) -> Merge {
        let (survivor, loser) = if a < b { (a, b) } else { (b, a) };
        let (status, confidence) = match decision {
            MatchDecision::Merge => (MergeStatus::Merged, 1.0),
            MatchDecision::Propose(c) => (MergeStatus::Proposed, c),
        };
        Merge {
            id: MergeId::new(),
            tenant_id,
            survivor,
            loser,
            status,
            matched_kind,
            confidence,
            created_at: now,
            updated_at: now,
        }
    }

    fn go(
        mut self,
        allowed: bool,
        next: MergeStatus,
        verb: &'static str,
        now: Timestamp,
    ) -> Result<Merge, TransitionError> {
        if !allowed {
            return Err(TransitionError {
                from: self.status.as_str(),
                verb,
            });
        }
        self.status = next;
        self.updated_at = now;
        Ok(self)
    }

    /// A reviewer confirms a proposal.
    pub fn approve(self, now: Timestamp) -> Result<Merge, TransitionError> {
        let ok = self.status == MergeStatus::Proposed;
        self.go(ok, MergeStatus::Merged, "approved", now)
    }

    /// A reviewer turns a proposal down.
    pub fn reject(self, now: Timestamp) -> Result<Merge, TransitionError> {
        let ok = self.status == MergeStatus::Proposed;
        self.go(ok, MergeStatus::Rejected, "rejected", now)
    }

    /// A merge found wrong is reversed.
    pub fn unmerge(self, now: Timestamp) -> Result<Merge, TransitionError> {
        let ok = self.status == MergeStatus::Merged;
        self.go(ok, MergeStatus::Unmerged, "unmerged", now)
    }
}

fn pick<T: Clone>(
    name: &str,
    survivor: &Customer,
    loser: &Customer,
    get: impl Fn(&Customer) -> &Option<T>,
) -> (Option<T>, Option<Provenance>) {
    let s = (
        get(survivor).clone(),
        survivor.provenance.get(name).copied(),
    );
    let l = (get(loser).clone(), loser.provenance.get(name).copied());
    match (&s.0, &l.0) {
        (None, _) => l,
        (_, None) => s,
        // Most recent verified wins: verified beats unverified, then the later stamp.
        _ if l.1 > s.1 => l,
        _ => s,
    }
}

/// The survivor's profile after absorbing the loser: attributes by the conflict rule, maps
/// united (survivor's keys win), balances added, the higher tier kept.
pub fn merge_profiles(survivor: &Customer, loser: &Customer, now: Timestamp) -> Customer {
    let mut out = survivor.clone();
    for name in ["given_name", "family_name", "city"] {
        let get: fn(&Customer) -> &Option<String> = match name {
            "given_name" => |c| &c.given_name,
            "family_name" => |c| &c.family_name,
            _ => |c| &c.city,
        };
        let (value, prov) = pick(name, survivor, loser, get);
        match name {
            "given_name" => out.given_name = value,
            "family_name" => out.family_name = value,
            _ => out.city = value,
        }
        if let Some(p) = prov {
            out.provenance.insert(name.to_owned(), p);
        }
    }
    let (birth, prov) = pick("birth_date", survivor, loser, |c| &c.birth_date);
    out.birth_date = birth;
    if let Some(p) = prov {
        out.provenance.insert("birth_date".to_owned(), p);
    }
    for (k, v) in &loser.preferences {
        out.preferences
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    for (k, v) in &loser.sizes {
        out.sizes.entry(k.clone()).or_insert_with(|| v.clone());
    }
    out.preferred_channel = out.preferred_channel.or(loser.preferred_channel);
    out.quiet_hours = out.quiet_hours.or(loser.quiet_hours);
    out.tier = out.tier.max(loser.tier);
    out.points_balance += loser.points_balance;
    out.spent_90d += loser.spent_90d;
    out.version += 1;
    out.updated_at = now;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::{CustomerStatus, Tier};

    fn customer(given: &str, prov: Provenance) -> Customer {
        Customer {
            id: CustomerId::new(),
            tenant_id: TenantId::new(),
            status: CustomerStatus::Active,
            merged_into: None,
            given_name: Some(given.into()),
            family_name: None,
            city: None,
            tier: Tier::Silver,
            points_balance: 100,
            spent_90d: 0,
            preferences: Default::default(),
            sizes: Default::default(),
            preferred_channel: None,
            quiet_hours: None,
            time_zone: "Europe/Moscow".into(),
            birth_date: None,
            provenance: [("given_name".to_owned(), prov)].into(),
            version: 1,
            created_at: prov.at,
            updated_at: prov.at,
        }
    }

    #[test]
    fn only_verified_strong_matches_merge_automatically() {
        assert_eq!(
            decide_match(IdentifierKind::Phone, true, true),
            MatchDecision::Merge
        );
        assert!(matches!(
            decide_match(IdentifierKind::Phone, true, false),
            MatchDecision::Propose(_)
        ));
        assert!(matches!(
            decide_match(IdentifierKind::Device, true, true),
            MatchDecision::Propose(_)
        ));
    }

    #[test]
    fn the_most_recent_verified_value_wins() {
        let t0 = chrono::Utc::now();
        let t1 = t0 + chrono::Duration::days(1);
        let old_verified = customer(
            "Иван",
            Provenance {
                verified: true,
                at: t0,
            },
        );
        let new_unverified = customer(
            "Ваня",
            Provenance {
                verified: false,
                at: t1,
            },
        );
        let merged = merge_profiles(&new_unverified, &old_verified, t1);
        assert_eq!(
            merged.given_name.as_deref(),
            Some("Иван"),
            "verified beats newer unverified"
        );
        let newer_verified = customer(
            "Иоанн",
            Provenance {
                verified: true,
                at: t1,
            },
        );
        let merged = merge_profiles(&old_verified, &newer_verified, t1);
        assert_eq!(merged.given_name.as_deref(), Some("Иоанн"));
        assert_eq!(merged.points_balance, 200);
    }

    #[test]
    fn a_birth_date_follows_the_conflict_rule() {
        let t0 = chrono::Utc::now();
        let prov = Provenance {
            verified: false,
            at: t0,
        };
        let born = chrono::NaiveDate::from_ymd_opt(1990, 5, 1);
        let survivor = customer("Иван", prov);
        let mut loser = customer("Иван", prov);
        loser.birth_date = born;
        loser.provenance.insert("birth_date".into(), prov);
        let merged = merge_profiles(&survivor, &loser, t0);
        assert_eq!(merged.birth_date, born, "the survivor had none");
        let mut corrected = customer("Иван", prov);
        corrected.birth_date = chrono::NaiveDate::from_ymd_opt(1990, 5, 2);
        let verified = Provenance {
            verified: true,
            at: t0,
        };
        corrected.provenance.insert("birth_date".into(), verified);
        let merged = merge_profiles(&loser, &corrected, t0);
        assert_eq!(merged.birth_date, corrected.birth_date, "verified wins");
    }

    #[test]
    fn the_state_machine_allows_only_its_moves() {
        let now = chrono::Utc::now();
        let (a, b) = (CustomerId::new(), CustomerId::new());
        let m = Merge::between(
            TenantId::new(),
            b,
            a,
            IdentifierKind::Email,
            MatchDecision::Propose(0.7),
            now,
        );
        assert_eq!(m.survivor, a.min(b));
        assert!(m.clone().unmerge(now).is_err());
        let merged = m.clone().approve(now).expect("approve");
        assert!(merged.clone().approve(now).is_err());
        assert!(merged.clone().reject(now).is_err());
        let back = merged.unmerge(now).expect("unmerge");
        assert_eq!(back.status, MergeStatus::Unmerged);
        assert_eq!(m.reject(now).expect("reject").status, MergeStatus::Rejected);
    }
}
