//! Birthdays: the profiles whose birth month-day is a candidate day's (through the
//! `(tenant, birth_md, id)` index, a page at a time), and the once-per-year record that makes
//! a `customer.birthday` event exactly once per customer and year, whoever produces it.

use omni_domain::customers::Customer;
use omni_domain::events::DomainEvent;
use omni_kernel::{CustomerId, TenantId};

use super::decode_customer;
use crate::{Store, StoreError, WriteTx, millis};

/// One page of birthday candidates to read: a month-day key, the year celebrated and where
/// the previous page ended.
#[derive(Debug, Clone, Copy)]
pub struct BirthdayCandidate {
    /// `month * 100 + day` of the birth date.
    pub month_day: i64,
    /// The year of the candidate day (customers already celebrated in it are skipped).
    pub year: i32,
    /// The last id of the previous page (ids sort, so pages never overlap).
    pub after: Option<CustomerId>,
}

impl Store {
    /// Up to `limit` active profiles, by id, born on `page.month_day` and not yet celebrated
    /// in `page.year`. The caller decides with the customer's own time zone whether today is
    /// their birthday.
    pub async fn birthday_candidates(
        &self,
        tenant: TenantId,
        page: BirthdayCandidate,
        limit: i64,
    ) -> Result<Vec<Customer>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.doc FROM customers c WHERE c.tenant_id = $1 AND c.birth_md = $2 AND c.id > $3 \
             AND c.status = 'active' AND NOT EXISTS (SELECT 1 FROM birthday_events b \
             WHERE b.tenant_id = c.tenant_id AND b.customer_id = c.id AND b.year = $4) \
             ORDER BY c.id LIMIT $5",
        )
        .bind(tenant.to_string())
        .bind(page.month_day)
        .bind(page.after.map(|a| a.to_string()).unwrap_or_default())
        .bind(i64::from(page.year))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode_customer).collect()
    }

    /// Whether a customer's birthday of `year` has been recorded (tests and support).
    pub async fn birthday_recorded(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        year: i32,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM birthday_events WHERE tenant_id = $1 AND customer_id = $2 AND year = $3",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(i64::from(year))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }
}

impl WriteTx {
    /// Records `event` (a `customer.birthday` of `customer` in `year`) unless that birthday
    /// was already recorded or the profile is no longer active; returns whether it was. The
    /// primary key (tenant, customer, year) makes racing producers record it once: on
    /// PostgreSQL the second insert waits for the first and then does nothing.
    pub async fn record_birthday(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        year: i32,
        event: &DomainEvent,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO birthday_events (tenant_id, customer_id, year, event_id, at) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM customers \
             WHERE tenant_id = $1 AND id = $2 AND status = 'active') \
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(i64::from(year))
        .bind(event.id.to_string())
        .bind(millis(event.occurred_at))
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() == 1 {
            self.record(event).await?;
            return Ok(true);
        }
        Ok(false)
    }
}
