//! Trigger chains, their waiting runs and the firing log. The worker keeps the runs in
//! memory ([`omni_domain::engagement::WaitingRuns`]) and writes every change here in the
//! transaction that advances its feed position, so a restart (or another node taking the
//! lease) reloads exactly what was waiting.

use chrono::NaiveDate;
use omni_domain::engagement::{FiringRecord, Run, TriggerChain};
use omni_kernel::{CustomerId, TenantId, Timestamp};
use sqlx::Row;

use crate::batch::Stmt;
use crate::customers::parse;
use crate::{Page, Store, StoreError, WriteTx, from_doc, from_millis, json_doc, millis};

/// A chain with the version its next change must name.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChain {
    pub chain: TriggerChain,
    pub version: i64,
}

/// The name of the worker's position and lease in `relay_state`.
pub const TRIGGERS_POSITION: &str = "triggers";

impl WriteTx {
    /// Creates or replaces a chain; `expected` is the version read (None: must be new).
    /// Returns the new version.
    pub async fn put_trigger_chain(
        &mut self,
        tenant: TenantId,
        chain: &TriggerChain,
        expected: Option<i64>,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let doc = json_doc(chain)?;
        let done = match expected {
            None => sqlx::query(
                "INSERT INTO trigger_chains (tenant_id, id, version, doc, updated_at) VALUES ($1, $2, 1, $3, $4)",
            )
            .bind(tenant.to_string())
            .bind(chain.id.clone())
            .bind(doc)
            .bind(millis(now))
            .execute(self.conn().await?)
            .await
            .map_err(StoreError::unique("a chain with this id exists; name its version"))?,
            Some(v) => sqlx::query(
                "UPDATE trigger_chains SET version = version + 1, doc = $1, updated_at = $2 \
                 WHERE tenant_id = $3 AND id = $4 AND version = $5",
            )
            .bind(doc)
            .bind(millis(now))
            .bind(tenant.to_string())
            .bind(chain.id.clone())
            .bind(v)
            .execute(self.conn().await?)
            .await?,
        };
        if done.rows_affected() != 1 {
            return Err(StoreError::VersionMismatch);
        }
        Ok(expected.map_or(1, |v| v + 1))
    }

    /// Writes what a batch of events changed: runs started or re-armed (upserted) and runs
    /// cancelled (deleted), many rows per statement.
    pub async fn save_trigger_runs(
        &mut self,
        started: &[(TenantId, Run)],
        cancelled: &[(TenantId, String, CustomerId)],
    ) -> Result<(), StoreError> {
        let per = crate::rows_per_statement(self.backend(), 6);
        for chunk in started.chunks(per) {
            let mut sql = String::from(
                "INSERT INTO trigger_runs (tenant_id, chain_id, customer_id, due_at, event_id, created_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let p = 6 * i;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6
                ));
            }
            sql.push_str(
                " ON CONFLICT (tenant_id, chain_id, customer_id) DO UPDATE SET \
                 due_at = excluded.due_at, event_id = excluded.event_id",
            );
            let mut stmt = Stmt::new(sql);
            for (tenant, r) in chunk {
                stmt = stmt
                    .bind(tenant.to_string())
                    .bind(r.chain_id.clone())
                    .bind(r.customer_id.to_string())
                    .bind(millis(r.due_at))
                    .bind(r.event_id.to_string())
                    .bind(millis(r.created_at));
            }
            self.defer(stmt).await?;
        }
        let per = crate::rows_per_statement(self.backend(), 2);
        let mut by_tenant: std::collections::BTreeMap<TenantId, Vec<(&str, String)>> =
            std::collections::BTreeMap::new();
        for (tenant, chain, customer) in cancelled {
            by_tenant
                .entry(*tenant)
                .or_default()
                .push((chain.as_str(), customer.to_string()));
        }
        for (tenant, keys) in by_tenant {
            for chunk in keys.chunks(per) {
                let pairs: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${})", 2 + 2 * i, 3 + 2 * i))
                    .collect();
                let sql = format!(
                    "DELETE FROM trigger_runs WHERE tenant_id = $1 AND (chain_id, customer_id) IN ({})",
                    pairs.join(", ")
                );
                let mut stmt = Stmt::new(sql).bind(tenant.to_string());
                for (chain, customer) in chunk {
                    stmt = stmt.bind(*chain).bind(customer.clone());
                }
                self.defer(stmt).await?;
            }
        }
        Ok(())
    }

    /// Takes a due run out of the table, only if it is still the one the worker holds (same
    /// due time and arming event): the guard that makes a firing happen once even if two
    /// nodes race for it.
    pub async fn take_trigger_run(
        &mut self,
        tenant: TenantId,
        run: &Run,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM trigger_runs WHERE tenant_id = $1 AND chain_id = $2 AND customer_id = $3 \
             AND due_at = $4 AND event_id = $5",
        )
        .bind(tenant.to_string())
        .bind(run.chain_id.clone())
        .bind(run.customer_id.to_string())
        .bind(millis(run.due_at))
        .bind(run.event_id.to_string())
        .execute(self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Logs a firing.
    pub async fn insert_firing(
        &mut self,
        tenant: TenantId,
        f: &FiringRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO trigger_firings (tenant_id, id, chain_id, customer_id, local_day, decision, counted, doc, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(tenant.to_string())
        .bind(f.id.to_string())
        .bind(f.chain_id.clone())
        .bind(f.customer_id.to_string())
        .bind(f.local_day.to_string())
        .bind(f.decision())
        .bind(i64::from(f.counted()))
        .bind(json_doc(f)?)
        .bind(millis(f.at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Moves the worker's feed position, only while `owner` holds the lease: else the
    /// transaction fails with a conflict.
    pub async fn advance_trigger_position(
        &mut self,
        owner: &str,
        position: i64,
    ) -> Result<(), StoreError> {
        self.defer(
            Stmt::new("UPDATE relay_state SET position = $1 WHERE name = $2 AND lease_owner = $3")
                .bind(position)
                .bind(TRIGGERS_POSITION)
                .bind(owner)
                .one_row(|| StoreError::Conflict("the trigger lease moved to another node")),
        )
        .await
    }
}

fn decode_run(row: &sqlx::any::AnyRow) -> Result<(TenantId, Run), StoreError> {
    let tenant: String = row.try_get("tenant_id")?;
    let customer: String = row.try_get("customer_id")?;
    let event: String = row.try_get("event_id")?;
    Ok((
        parse(&tenant)?,
        Run {
            chain_id: row.try_get("chain_id")?,
            customer_id: parse(&customer)?,
            due_at: from_millis(row.try_get("due_at")?),
            event_id: parse(&event)?,
            created_at: from_millis(row.try_get("created_at")?),
        },
    ))
}

const RUN_COLUMNS: &str = "tenant_id, chain_id, customer_id, due_at, event_id, created_at";

impl Store {
    /// A tenant's chains, by id.
    pub async fn trigger_chains(&self, tenant: TenantId) -> Result<Vec<StoredChain>, StoreError> {
        let rows =
            sqlx::query("SELECT doc, version FROM trigger_chains WHERE tenant_id = $1 ORDER BY id")
                .bind(tenant.to_string())
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredChain {
                    chain: from_doc(r)?,
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }

    /// Every tenant's chains (the worker indexes them per tenant).
    pub async fn all_trigger_chains(&self) -> Result<Vec<(TenantId, TriggerChain)>, StoreError> {
        let rows = sqlx::query("SELECT tenant_id, doc FROM trigger_chains ORDER BY tenant_id, id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let t: String = r.try_get("tenant_id")?;
                Ok((parse(&t)?, from_doc(r)?))
            })
            .collect()
    }

    /// A figure that changes whenever any chain is added or changed, so the worker notices
    /// edits made on any node with one cheap read.
    pub async fn trigger_chains_revision(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(version), 0) AS BIGINT) AS v FROM trigger_chains",
        )
        .fetch_one(self.pool())
        .await?;
        Ok((row.try_get("n")?, row.try_get("v")?))
    }

    /// Every waiting run of every tenant (the worker's state at start or on taking the lease).
    pub async fn all_trigger_runs(&self) -> Result<Vec<(TenantId, Run)>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {RUN_COLUMNS} FROM trigger_runs"));
        let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
        rows.iter().map(decode_run).collect()
    }

    /// A page of a tenant's waiting runs, soonest first, optionally of one chain or customer.
    pub async fn trigger_runs(
        &self,
        tenant: TenantId,
        chain: Option<&str>,
        customer: Option<CustomerId>,
        limit: usize,
    ) -> Result<Vec<Run>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLUMNS} FROM trigger_runs WHERE tenant_id = $1 AND ($2 = '' OR chain_id = $2) \
             AND ($3 = '' OR customer_id = $3) ORDER BY due_at, chain_id, customer_id LIMIT $4"
        ));
        let rows = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(chain.unwrap_or_default().to_owned())
            .bind(customer.map(|c| c.to_string()).unwrap_or_default())
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| decode_run(r).map(|(_, run)| run))
            .collect()
    }

    /// A page of the firing log, newest first, optionally for one customer.
    pub async fn trigger_firings(
        &self,
        tenant: TenantId,
        customer: Option<CustomerId>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Page<FiringRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM trigger_firings WHERE tenant_id = $1 AND ($2 = '' OR customer_id = $2) \
             AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4",
        )
        .bind(tenant.to_string())
        .bind(customer.map(|c| c.to_string()).unwrap_or_default())
        .bind(before.unwrap_or_default().to_owned())
        .bind(limit as i64 + 1)
        .fetch_all(self.pool())
        .await?;
        let items = rows.iter().map(from_doc).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_probe(items, limit))
    }

    /// How many of a chain's firings reached the customer on their local `day` (the cap).
    pub async fn firings_on(
        &self,
        tenant: TenantId,
        chain: &str,
        customer: CustomerId,
        day: NaiveDate,
    ) -> Result<u32, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM trigger_firings WHERE tenant_id = $1 AND customer_id = $2 \
             AND chain_id = $3 AND local_day = $4 AND counted = 1",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(chain.to_owned())
        .bind(day.to_string())
        .fetch_one(self.pool())
        .await?;
        let n: i64 = row.try_get("n")?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

impl Store {
    /// The names of the segments a customer is in (trigger conditions name segments).
    pub async fn customer_segment_names(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.name FROM segment_members m JOIN segments s \
             ON s.tenant_id = m.tenant_id AND s.id = m.segment_id \
             WHERE m.tenant_id = $1 AND m.customer_id = $2",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| r.try_get("name").map_err(StoreError::from))
            .collect()
    }
}
