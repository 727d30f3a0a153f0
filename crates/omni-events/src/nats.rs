//! The JetStream sink: one node at a time (a lease) publishes the global feed, in order, each
//! event with `Nats-Msg-Id` = its id, and advances the shared `nats` position only past
//! acknowledged events. A node killed mid-batch leaves the position behind; whoever resumes
//! republishes, and JetStream drops the duplicates within its window — consumers see each once.

use async_nats::jetstream::{self, stream};
use omni_domain::events::DomainEvent;

use crate::{EventsError, Relay, RelayConfig};

/// The relay position (a `relay_state` row) of the JetStream publisher.
pub const POSITION: &str = "nats";

/// Connects to NATS and makes sure the stream exists (created when missing).
///
/// Only the basic stream fields are set — name, subjects, duplicate window, file storage —
/// and the client is built without its `server_2_10`+ features, so nothing in the request
/// needs a newer server than the NATS 2.9 found on Debian.
pub(crate) async fn connect(
    url: &str,
    config: &RelayConfig,
) -> Result<jetstream::Context, EventsError> {
    let client = async_nats::ConnectOptions::new()
        .name(format!("omni-relay/{}", config.node_id))
        .connect(url)
        .await?;
    let js = jetstream::new(client);
    js.get_or_create_stream(stream_config(config)).await?;
    Ok(js)
}

/// The stream the feed is published to.
pub fn stream_config(config: &RelayConfig) -> stream::Config {
    stream::Config {
        name: config.stream_name.clone(),
        subjects: vec![format!("{}.>", config.subject_prefix)],
        duplicate_window: config.duplicate_window,
        storage: stream::StorageType::File,
        ..Default::default()
    }
}

/// The subject of `event` under `prefix`: `<prefix>.<tenant>.<type>` (`omni.…` by default).
pub fn subject(prefix: &str, event: &DomainEvent) -> String {
    let subject = event.nats_subject();
    match subject.strip_prefix("omni.") {
        Some(rest) if prefix != "omni" => format!("{prefix}.{rest}"),
        _ => subject,
    }
}

impl Relay {
    /// Publishes the feed after the `nats` position to JetStream if this node holds (or can
    /// take) the publisher lease. Publishes are pipelined, then every ack is awaited in order;
    /// the position advances to the last event of the acknowledged prefix, never further.
    /// Returns how many events were acknowledged (duplicates included). Without NATS, 0.
    pub async fn publish_nats_once(&self) -> Result<usize, EventsError> {
        let Some(js) = &self.jetstream else {
            return Ok(0);
        };
        let node = &self.config.node_id;
        if !self
            .store
            .acquire_relay_lease(POSITION, node, self.clock.now(), self.config.lease_ttl_ms())
            .await?
        {
            return Ok(0);
        }
        let after = self.store.relay_position(POSITION).await?;
        let batch = self
            .store
            .global_feed(after, self.config.publish_batch)
            .await?;
        if batch.is_empty() {
            return Ok(0);
        }

        let mut pending = Vec::with_capacity(batch.len());
        let mut failure = None;
        for item in &batch {
            match publish(js, &self.config.subject_prefix, &item.event).await {
                Ok(ack) => pending.push((item.seq, &item.event, ack)),
                Err(reason) => {
                    failure = Some(EventsError::Publish {
                        event: item.event.id.to_string(),
                        reason,
                    });
                    break;
                }
            }
        }

        let mut acked = None;
        let mut count = 0;
        for (seq, event, ack) in pending {
            match ack.await {
                Ok(ack) => {
                    if ack.duplicate {
                        tracing::debug!(event = %event.id, "JetStream dropped a republished event");
                    }
                    acked = Some(seq);
                    count += 1;
                }
                Err(e) => {
                    failure = Some(EventsError::Publish {
                        event: event.id.to_string(),
                        reason: e.to_string(),
                    });
                    break;
                }
            }
        }
        if let Some(position) = acked {
            self.store.advance_relay(POSITION, node, position).await?;
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }
}

/// Sends one event and returns the future of its acknowledgement.
async fn publish(
    js: &jetstream::Context,
    prefix: &str,
    event: &DomainEvent,
) -> Result<jetstream::context::PublishAckFuture, String> {
    let payload = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", event.id.to_string().as_str());
    js.publish_with_headers(subject(prefix, event), headers, payload.into())
        .await
        .map_err(|e| e.to_string())
}
