//! The relay's settings: who this node is, where NATS is, and how eagerly to work.

use std::time::Duration;

/// How a node runs its relay. Build with [`RelayConfig::new`] and adjust fields.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Names this node as a lease owner; must differ between nodes sharing a database.
    pub node_id: String,
    /// NATS server URL; `None` disables publishing to JetStream (the feed and webhooks still work).
    pub nats_url: Option<String>,
    /// Allows webhook targets on loopback/private networks (tests, on-premise). Off in production:
    /// a tenant must not make the platform call its own internal services (SSRF).
    pub allow_private_webhooks: bool,
    /// How often the loop runs when nobody wakes it.
    pub poll_interval: Duration,
    /// The JetStream stream the feed is published to (default `OMNI`).
    pub stream_name: String,
    /// The first subject token (default `omni`): events go to `<prefix>.<tenant>.<type>`.
    pub subject_prefix: String,
    /// JetStream's de-duplication window; a republish within it is dropped by `Nats-Msg-Id`.
    pub duplicate_window: Duration,
    /// How many events one sequencing transaction assigns positions to.
    pub sequence_batch: i64,
    /// How many feed events one NATS round publishes before advancing its position.
    pub publish_batch: usize,
    /// How many subscriptions one webhook round leases.
    pub webhook_batch: usize,
    /// How many events one subscription is sent per round (bounds the time a lease is held).
    pub webhook_events_per_round: usize,
    /// How long a lease (NATS publisher, webhook subscription) lasts without renewal; a
    /// crashed node's work is taken over after it.
    pub lease_ttl: Duration,
    /// Per-request timeout of a webhook POST.
    pub webhook_timeout: Duration,
}

impl RelayConfig {
    /// Production defaults for the node `node_id`: no NATS, private webhook targets refused.
    pub fn new(node_id: impl Into<String>) -> Self {
        Self {
            node_id: node_id.into(),
            nats_url: None,
            allow_private_webhooks: false,
            poll_interval: Duration::from_secs(1),
            stream_name: "OMNI".into(),
            subject_prefix: "omni".into(),
            duplicate_window: Duration::from_secs(120),
            sequence_batch: 500,
            publish_batch: 256,
            webhook_batch: 32,
            webhook_events_per_round: 100,
            lease_ttl: Duration::from_secs(60),
            webhook_timeout: Duration::from_secs(10),
        }
    }

    /// The lease TTL in milliseconds, as the store takes it.
    pub(crate) fn lease_ttl_ms(&self) -> i64 {
        i64::try_from(self.lease_ttl.as_millis()).unwrap_or(i64::MAX)
    }
}
