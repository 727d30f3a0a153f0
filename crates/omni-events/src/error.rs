//! The relay's error tier: what failed in a step, with the cause kept for the logs.
//! A step error is transient by nature — the loop logs it and tries again next round.

use omni_store::StoreError;

/// A relay step or start-up failure.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The database failed; positions are unchanged and the step is retried.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// NATS could not be reached at start-up.
    #[error("cannot connect to NATS: {0}")]
    Connect(#[from] async_nats::ConnectError),
    /// The JetStream stream could not be found or created.
    #[error("cannot ensure the JetStream stream: {0}")]
    Stream(#[from] async_nats::jetstream::context::CreateStreamError),
    /// A JetStream publish was not sent or not acknowledged; the position stops before it.
    #[error("JetStream publish of {event} failed: {reason}")]
    Publish { event: String, reason: String },
    /// The webhook HTTP client could not be built (TLS set-up).
    #[error("cannot build the webhook HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
}
