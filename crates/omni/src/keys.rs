//! `omni keys …`: mint, list and revoke API keys from the command line (the bootstrap path:
//! the first admin key of a tenant comes from here or from the demo).

use chrono::Utc;
use omni_domain::access::{Role, mint_key};
use omni_domain::events::DomainEvent;
use omni_kernel::{ApiKeyId, LocationId};
use omni_store::Store;
use omni_store::api_keys::ApiKeyRecord;
use omni_store::locations::LocationFilter;

use crate::cli::KeysCommand;

pub async fn run(cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::Create {
            db,
            tenant,
            role,
            store,
            channel,
            name,
        } => {
            let store_db = db.connect().await?;
            store_db.migrate().await?;
            let token = create(
                &store_db,
                &tenant,
                &role,
                store.as_deref(),
                channel.as_deref(),
                &name,
            )
            .await?;
            println!("{token}");
            eprintln!("keep this token safe: it is shown only once");
        }
        KeysCommand::List { db, tenant } => {
            let store_db = db.connect().await?;
            let t = store_db.tenant_by_slug(&tenant).await?;
            let mut after = None;
            loop {
                let page = store_db.api_keys(t.id, after, 100).await?;
                for k in &page.items {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    println!("{}  {:<10} {:<8} {}", k.id, k.role.name(), state, k.name);
                }
                after = page.items.last().map(|k| k.id);
                if !page.has_more {
                    break;
                }
            }
        }
        KeysCommand::Revoke { db, tenant, id } => {
            let store_db = db.connect().await?;
            let t = store_db.tenant_by_slug(&tenant).await?;
            let id: ApiKeyId = id.parse()?;
            let mut tx = store_db.write().await?;
            tx.revoke_api_key(t.id, id, Utc::now()).await?;
            tx.record(&DomainEvent::new(
                t.id,
                "api_key.revoked",
                id,
                Utc::now(),
                serde_json::json!({}),
            ))
            .await?;
            tx.commit().await?;
            println!("revoked {id}");
        }
    }
    Ok(())
}

/// Resolves a store given as a location id or code.
async fn resolve_store(
    store: &Store,
    tenant: omni_kernel::TenantId,
    given: &str,
) -> anyhow::Result<LocationId> {
    if let Ok(id) = given.parse::<LocationId>() {
        return Ok(store.location(tenant, id).await?.id);
    }
    let mut after = None;
    loop {
        let page = store
            .locations(
                tenant,
                &LocationFilter {
                    kind: None,
                    starting_after: after,
                    limit: 100,
                },
            )
            .await?;
        if let Some(l) = page
            .items
            .iter()
            .find(|l| l.code.eq_ignore_ascii_case(given))
        {
            return Ok(l.id);
        }
        after = page.items.last().map(|l| l.id);
        if !page.has_more {
            anyhow::bail!("no location with id or code `{given}` in this tenant");
        }
    }
}

/// Mints a key for a tenant (by slug) and returns its token.
pub async fn create(
    store: &Store,
    tenant: &str,
    role: &str,
    store_ref: Option<&str>,
    channel: Option<&str>,
    name: &str,
) -> anyhow::Result<String> {
    let t = store
        .tenant_by_slug(tenant)
        .await
        .map_err(|_| anyhow::anyhow!("no tenant `{tenant}`"))?;
    let store_id = match store_ref {
        Some(s) => Some(resolve_store(store, t.id, s).await?),
        None => None,
    };
    let role = Role::from_parts(role, store_id, channel)?;
    let minted = mint_key(ApiKeyId::new(), rand::random());
    let now = Utc::now();
    let record = ApiKeyRecord {
        id: minted.id,
        tenant_id: t.id,
        name: name.to_owned(),
        role,
        created_at: now,
        revoked_at: None,
    };
    let mut tx = store.write().await?;
    tx.insert_api_key(&record, &minted.secret_hash).await?;
    let event = DomainEvent::new(
        t.id,
        "api_key.created",
        record.id,
        now,
        serde_json::json!({"role": role.name(), "name": name}),
    );
    tx.record(&event).await?;
    tx.commit().await?;
    Ok(minted.token)
}
