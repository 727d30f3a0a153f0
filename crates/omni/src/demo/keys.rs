//! Ready-to-use API keys for the demo, one per role. Minted fresh on every load — the secrets
//! come from the operating system's CSPRNG (via `rand::rng()`), never from the demo seed, so a
//! demo token can never be guessed from the public generator.

use omni_domain::access::{Role, mint_key};
use omni_domain::events::DomainEvent;
use omni_domain::network::{Location, LocationKind};
use omni_kernel::{ApiKeyId, Channel};
use omni_store::api_keys::ApiKeyRecord;
use rand::Rng;

use super::context::DemoContext;

/// The code of the store the associate key works in.
pub const ASSOCIATE_STORE: &str = "MSK-001";

/// A key to mint: the label people see, the stored name and the role.
struct KeySpec {
    label: String,
    name: String,
    role: Role,
}

/// The keys to mint; no associate key when the chain has no store yet (a partial load such as
/// `--only tenant,customers`).
fn specs(associate_store: Option<&Location>) -> Vec<KeySpec> {
    let spec = |label: String, role| KeySpec {
        name: format!("demo {label}"),
        label,
        role,
    };
    let mut specs = vec![
        spec("admin".into(), Role::Admin),
        spec("marketer".into(), Role::Marketer),
        spec("agent".into(), Role::Agent),
    ];
    if let Some(store) = associate_store {
        specs.insert(
            2,
            spec(
                format!("associate ({})", store.code),
                Role::Associate { store: store.id },
            ),
        );
    }
    for channel in [
        Channel::Web,
        Channel::MobileApp,
        Channel::Pos,
        Channel::Kiosk,
    ] {
        specs.push(spec(
            format!("app:{}", channel.as_str()),
            Role::App { channel },
        ));
    }
    specs
}

/// The store associates work in: `MSK-001`, or the first store if the chain has none by that code.
fn associate_store(locations: &[Location]) -> Option<&Location> {
    locations
        .iter()
        .find(|l| l.code == ASSOCIATE_STORE)
        .or_else(|| locations.iter().find(|l| l.kind == LocationKind::Store))
}

/// Mints one key per role in one transaction, each with its `api_key.created` event (which
/// never carries the secret). Returns `(role label, bearer token)` pairs.
pub async fn mint_all(ctx: &DemoContext) -> anyhow::Result<Vec<(String, String)>> {
    let tenant = &ctx.tenant;
    let mut tx = ctx.store.write().await?;
    let mut keys = Vec::new();
    for spec in specs(associate_store(&ctx.locations)) {
        let minted = mint_key(ApiKeyId::new(), rand::rng().random());
        let record = ApiKeyRecord {
            id: minted.id,
            tenant_id: tenant.id,
            name: spec.name,
            role: spec.role,
            created_at: ctx.now,
            revoked_at: None,
        };
        tx.insert_api_key(&record, &minted.secret_hash).await?;
        let data = serde_json::json!({ "role": record.role.name(), "name": record.name });
        tx.record(&DomainEvent::new(
            tenant.id,
            "api_key.created",
            record.id,
            ctx.now,
            data,
        ))
        .await?;
        keys.push((spec.label, minted.token));
    }
    tx.commit().await?;
    Ok(keys)
}
