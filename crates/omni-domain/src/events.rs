//! The domain event envelope. Every state change records one in the same transaction
//! (the outbox); the relay sequences and publishes them. Events carry ids so consumers
//! can de-duplicate: delivery is at least once, the effect exactly once.

use omni_kernel::{EventId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

/// A fact that happened in a context, e.g. `location.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainEvent {
    pub id: EventId,
    pub tenant_id: TenantId,
    /// `context_entity.verb`, lower snake case (`location.updated`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The prefixed id of the entity that changed.
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub occurred_at: Timestamp,
    /// The entity's new state or the change, as the context defines it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

impl DomainEvent {
    /// A new event about `subject`.
    pub fn new(
        tenant_id: TenantId,
        kind: &str,
        subject: impl ToString,
        occurred_at: Timestamp,
        data: serde_json::Value,
    ) -> Self {
        Self {
            id: EventId::new(),
            tenant_id,
            kind: kind.to_owned(),
            subject: subject.to_string(),
            occurred_at,
            data,
        }
    }

    /// The NATS subject this event is published on: `omni.<tenant>.<type>`.
    pub fn nats_subject(&self) -> String {
        format!("omni.{}.{}", self.tenant_id, self.kind)
    }
}
