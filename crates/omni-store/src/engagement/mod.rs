//! Engagement repository: conversations and their messages, consultation requests (taken
//! exactly once by a conditional update) and the associates' expertise.

pub mod triggers;

use omni_domain::engagement::{
    Consultation, ConsultationId, ConsultationStatus, Conversation, ConversationId,
    ConversationStatus, Message,
};
use omni_kernel::{CustomerId, TenantId, Timestamp};
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, millis};

use crate::{from_doc as decode, json_doc as doc};

/// Whose latest thread to find.
#[derive(Debug, Clone, Copy)]
pub enum Participant<'a> {
    Customer(CustomerId),
    Handle(&'a str),
}

impl WriteTx {
    /// Stores a conversation (new or changed), conditional on the version read.
    pub async fn save_conversation(
        &mut self,
        c: &Conversation,
        expected_version: Option<i64>,
    ) -> Result<(), StoreError> {
        let done = match expected_version {
            None => sqlx::query(
                "INSERT INTO conversations (tenant_id, id, customer_id, handle, status, queue, human_involved, \
                 version, doc, created_at, last_message_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(c.tenant_id.to_string())
            .bind(c.id.to_string())
            .bind(c.customer_id.map(|x| x.to_string()))
            .bind(c.handle.clone())
            .bind(c.status.as_str())
            .bind(c.queue.clone())
            .bind(i64::from(c.human_involved))
            .bind(c.version)
            .bind(doc(c)?)
            .bind(millis(c.created_at))
            .bind(millis(c.last_message_at))
            .execute(self.conn().await?)
            .await?,
            Some(v) => sqlx::query(
                "UPDATE conversations SET customer_id = $1, status = $2, queue = $3, human_involved = $4, \
                 version = $5, doc = $6, last_message_at = $7 WHERE tenant_id = $8 AND id = $9 AND version = $10",
            )
            .bind(c.customer_id.map(|x| x.to_string()))
            .bind(c.status.as_str())
            .bind(c.queue.clone())
            .bind(i64::from(c.human_involved))
            .bind(c.version)
            .bind(doc(c)?)
            .bind(millis(c.last_message_at))
            .bind(c.tenant_id.to_string())
            .bind(c.id.to_string())
            .bind(v)
            .execute(self.conn().await?)
            .await?,
        };
        if done.rows_affected() != 1 {
            return Err(StoreError::VersionMismatch);
        }
        Ok(())
    }

    /// The participant's latest conversation, read inside the transaction.
    pub async fn latest_conversation(
        &mut self,
        tenant: TenantId,
        who: Participant<'_>,
    ) -> Result<Option<Conversation>, StoreError> {
        let (sql, value) = match who {
            Participant::Customer(c) => (
                "SELECT doc FROM conversations WHERE tenant_id = $1 AND customer_id = $2 \
                 ORDER BY last_message_at DESC LIMIT 1",
                c.to_string(),
            ),
            Participant::Handle(h) => (
                "SELECT doc FROM conversations WHERE tenant_id = $1 AND handle = $2 AND customer_id IS NULL \
                 ORDER BY last_message_at DESC LIMIT 1",
                h.to_owned(),
            ),
        };
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(value)
            .fetch_optional(self.conn().await?)
            .await?;
        row.as_ref().map(decode).transpose()
    }

    /// A conversation, read inside the transaction.
    pub async fn conversation(
        &mut self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Conversation, StoreError> {
        crate::doc_by_id(
            self.conn().await?,
            "SELECT doc FROM conversations WHERE tenant_id = $1 AND id = $2",
            tenant,
            id.to_string(),
        )
        .await
    }

    /// Appends a message.
    pub async fn insert_message(
        &mut self,
        tenant: TenantId,
        m: &Message,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO messages (tenant_id, id, conversation_id, doc, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant.to_string())
        .bind(m.id.to_string())
        .bind(m.conversation_id.to_string())
        .bind(doc(m)?)
        .bind(millis(m.at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Records a new consultation request.
    pub async fn insert_consultation(&mut self, c: &Consultation) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO consultations (tenant_id, id, skill, status, doc, requested_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.tenant_id.to_string())
        .bind(c.id.to_string())
        .bind(c.skill.clone())
        .bind(c.status.as_str())
        .bind(doc(c)?)
        .bind(millis(c.requested_at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Stores a request's new status only if it still has the status `from` it was read in:
    /// of two associates accepting at once exactly one gets the row, and a request withdrawn
    /// meanwhile cannot be taken (the other gets `conflict`, a 409).
    pub async fn advance_consultation(
        &mut self,
        c: &Consultation,
        from: ConsultationStatus,
        conflict: &'static str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE consultations SET status = $1, doc = $2 WHERE tenant_id = $3 AND id = $4 AND status = $5",
        )
        .bind(c.status.as_str())
        .bind(doc(c)?)
        .bind(c.tenant_id.to_string())
        .bind(c.id.to_string())
        .bind(from.as_str())
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(conflict));
        }
        Ok(())
    }

    /// Replaces a consultation's document (attribution of a sale, closing).
    pub async fn update_consultation(&mut self, c: &Consultation) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE consultations SET status = $1, doc = $2 WHERE tenant_id = $3 AND id = $4",
        )
        .bind(c.status.as_str())
        .bind(doc(c)?)
        .bind(c.tenant_id.to_string())
        .bind(c.id.to_string())
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Sets what an associate can advise on and whether they are free.
    pub async fn put_skills(
        &mut self,
        tenant: TenantId,
        key_id: &str,
        skills: &[String],
        available: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO associate_skills (tenant_id, key_id, skills, available, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, key_id) DO UPDATE SET skills = excluded.skills, available = excluded.available, \
             updated_at = excluded.updated_at",
        )
        .bind(tenant.to_string())
        .bind(key_id.to_owned())
        .bind(doc(&skills)?)
        .bind(i64::from(available))
        .bind(millis(now))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }
}

impl Store {
    /// A conversation.
    pub async fn conversation(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Conversation, StoreError> {
        crate::doc_by_id(
            self.pool(),
            "SELECT doc FROM conversations WHERE tenant_id = $1 AND id = $2",
            tenant,
            id.to_string(),
        )
        .await
    }

    /// A conversation's messages, oldest first (at most `limit`).
    pub async fn messages(
        &self,
        tenant: TenantId,
        id: ConversationId,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM messages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY at, id LIMIT $3",
        )
        .bind(tenant.to_string())
        .bind(id.to_string())
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode).collect()
    }

    /// Conversations in a status (a queue's waiting list, oldest first), or a customer's.
    pub async fn conversations(
        &self,
        tenant: TenantId,
        status: Option<ConversationStatus>,
        customer: Option<CustomerId>,
        limit: usize,
    ) -> Result<Vec<Conversation>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM conversations WHERE tenant_id = $1 AND ($2 = '' OR status = $2) \
             AND ($3 = '' OR customer_id = $3) ORDER BY last_message_at, id LIMIT $4",
        )
        .bind(tenant.to_string())
        .bind(status.map_or("", |s| s.as_str()).to_owned())
        .bind(customer.map(|c| c.to_string()).unwrap_or_default())
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode).collect()
    }

    /// Conversations and how many of them no person had to answer: the bot's automation rate.
    pub async fn automation(&self, tenant: TenantId) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS total, \
             CAST(COALESCE(SUM(CASE WHEN human_involved = 0 AND status <> 'waiting' THEN 1 ELSE 0 END), 0) AS BIGINT) AS bot \
             FROM conversations WHERE tenant_id = $1",
        )
        .bind(tenant.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok((row.try_get("total")?, row.try_get("bot")?))
    }

    /// A consultation request.
    pub async fn consultation(
        &self,
        tenant: TenantId,
        id: ConsultationId,
    ) -> Result<Consultation, StoreError> {
        crate::doc_by_id(
            self.pool(),
            "SELECT doc FROM consultations WHERE tenant_id = $1 AND id = $2",
            tenant,
            id.to_string(),
        )
        .await
    }

    /// Open requests for any of `skills`, oldest first: what a free associate sees.
    pub async fn open_consultations(
        &self,
        tenant: TenantId,
        skills: &[String],
        limit: usize,
    ) -> Result<Vec<Consultation>, StoreError> {
        if skills.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..skills.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT doc FROM consultations WHERE tenant_id = $1 AND status = 'open' AND skill IN ({}) \
             ORDER BY requested_at, id LIMIT $2",
            marks.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.to_string())
            .bind(limit as i64);
        for s in skills {
            q = q.bind(s.clone());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(decode).collect()
    }

    /// An associate's skills and availability (none until they set them).
    pub async fn skills(
        &self,
        tenant: TenantId,
        key_id: &str,
    ) -> Result<(Vec<String>, bool), StoreError> {
        let row = sqlx::query(
            "SELECT skills, available FROM associate_skills WHERE tenant_id = $1 AND key_id = $2",
        )
        .bind(tenant.to_string())
        .bind(key_id.to_owned())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok((Vec::new(), false));
        };
        let skills: String = row.try_get("skills")?;
        let available: i64 = row.try_get("available")?;
        Ok((
            serde_json::from_str(&skills).map_err(StoreError::corrupt)?,
            available != 0,
        ))
    }
}
