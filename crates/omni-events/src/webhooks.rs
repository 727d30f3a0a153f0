//! Webhook delivery: each due subscription, under a lease, is posted its tenant's events in
//! feed order, one at a time, signed per Standard Webhooks. A failure stops that subscription
//! for the round and schedules a retry with backoff, so a receiver never sees event N+1
//! before event N. Targets on internal networks are refused unless explicitly allowed.

use std::error::Error as _;
use std::time::Instant;

use base64::Engine as _;
use omni_domain::webhooks::{backoff_seconds, check_url, sign};
use omni_kernel::{EventId, TenantId, Timestamp};
use omni_store::outbox::SequencedEvent;
use omni_store::webhooks::WebhookRecord;
use serde::{Deserialize, Serialize};
use tracing::Instrument as _;

use crate::resolver::{PublicOnlyResolver, resolve_public};
use crate::{EventsError, Relay, RelayConfig};

/// The JSON body of a delivery: the event envelope plus its feed position, so a receiver can
/// de-duplicate by `id` and resume by `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    pub id: EventId,
    #[serde(rename = "type")]
    pub kind: String,
    pub subject: String,
    pub occurred_at: Timestamp,
    pub data: serde_json::Value,
    pub tenant_id: TenantId,
    pub seq: i64,
}

impl From<&SequencedEvent> for WebhookPayload {
    fn from(item: &SequencedEvent) -> Self {
        let e = &item.event;
        Self {
            id: e.id,
            kind: e.kind.clone(),
            subject: e.subject.clone(),
            occurred_at: e.occurred_at,
            data: e.data.clone(),
            tenant_id: e.tenant_id,
            seq: item.seq,
        }
    }
}

/// What one webhook round did, counted in events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookRound {
    /// Events a receiver acknowledged with 2xx.
    pub delivered: usize,
    /// Events passed over because the subscription does not want their type.
    pub skipped: usize,
    /// Failed attempts (each reschedules its subscription).
    pub failed: usize,
}

/// Why one delivery attempt failed; its text is stored as the subscription's `last_error`.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The target is not allowed (SSRF guard, malformed URL).
    #[error("{0}")]
    Refused(String),
    /// The receiver answered, but not with 2xx.
    #[error("receiver answered HTTP {0}")]
    Status(u16),
    /// No answer: connection, TLS, timeout.
    #[error("{0}")]
    Transport(String),
}

/// The HMAC key of a subscription secret: Standard Webhooks secrets (`whsec_<base64>`) are
/// decoded, as receivers' libraries do; any other secret is used as its bytes.
pub fn signing_key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The webhook HTTP client: timeout, no redirects (a 3xx could point inside), no proxy, and
/// unless private targets are allowed, a resolver that refuses internal addresses.
pub(crate) fn client(config: &RelayConfig) -> Result<reqwest::Client, EventsError> {
    let mut builder = reqwest::Client::builder()
        .timeout(config.webhook_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("omniretail-webhooks/", env!("CARGO_PKG_VERSION")));
    if !config.allow_private_webhooks {
        builder = builder.dns_resolver(PublicOnlyResolver);
    }
    Ok(builder.build()?)
}

/// An error with its causes, for `last_error` and the logs.
fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Relay {
    /// Leases due subscriptions and sends each its pending events (see the module docs).
    /// Always releases the leases it took, whatever happened.
    pub async fn deliver_webhooks_once(&self) -> Result<WebhookRound, EventsError> {
        let owner = &self.config.node_id;
        let leased = self
            .store
            .lease_due_webhooks(
                owner,
                self.clock.now(),
                self.config.lease_ttl_ms(),
                self.config.webhook_batch,
            )
            .await?;
        let mut round = WebhookRound::default();
        if leased.is_empty() {
            return Ok(round);
        }
        // Read before any tenant feed: every event up to `head` is visible to those reads.
        let head = self.store.feed_head().await?;
        for (hook, secret) in leased {
            let span = tracing::debug_span!("webhook", id = %hook.id, tenant = %hook.tenant_id);
            if let Err(e) = self
                .deliver_to(&hook, &secret, head, &mut round)
                .instrument(span)
                .await
            {
                tracing::warn!(webhook = %hook.id, error = %e, "webhook round failed");
            }
            if let Err(e) = self.store.release_webhook(hook.id, owner).await {
                tracing::warn!(webhook = %hook.id, error = %e, "releasing a webhook lease failed");
            }
        }
        Ok(round)
    }

    /// One subscription's round: send wanted events in order until one fails.
    async fn deliver_to(
        &self,
        hook: &WebhookRecord,
        secret: &str,
        head: i64,
        round: &mut WebhookRound,
    ) -> Result<(), EventsError> {
        let owner = &self.config.node_id;
        if let Err(e) = self.check_target(&hook.url).await {
            return self.record_failure(hook, &e, round).await;
        }
        let key = signing_key(secret);
        let limit = self.config.webhook_events_per_round.max(1);
        let events = self
            .store
            .tenant_feed(hook.tenant_id, hook.position, limit)
            .await?;
        let started = Instant::now();
        let mut position = hook.position;
        let mut recorded = hook.position;
        let mut exhausted = events.len() < limit;
        for item in &events {
            if started.elapsed() > self.config.lease_ttl / 2 {
                exhausted = false; // keep well inside the lease; the rest waits for the next round
                break;
            }
            if !hook.wants(&item.event.kind) {
                position = item.seq;
                round.skipped += 1;
                continue;
            }
            if let Err(e) = self.post(&hook.url, &key, item).await {
                // Skipped events before this one are re-skipped next round; recording them
                // now would reset the attempt count that drives the backoff.
                return self.record_failure(hook, &e, round).await;
            }
            self.store
                .webhook_delivered(hook.id, owner, item.seq)
                .await?;
            (position, recorded) = (item.seq, item.seq);
            round.delivered += 1;
        }
        if exhausted {
            // Nothing else of this tenant up to the head: skip ahead, so the lease query stops
            // picking the subscription until its tenant has new events.
            position = position.max(head);
        }
        if position > recorded {
            self.store
                .webhook_delivered(hook.id, owner, position)
                .await?;
        }
        Ok(())
    }

    /// Refuses malformed URLs and, unless allowed, internal targets — including hosts whose
    /// DNS answers with an internal address (the client's resolver re-checks at connect).
    async fn check_target(&self, raw: &str) -> Result<(), DeliveryError> {
        let allow = self.config.allow_private_webhooks;
        let url = check_url(raw, allow)
            .map_err(|e| DeliveryError::Refused(format!("refused {raw}: {e}")))?;
        if allow {
            return Ok(());
        }
        let host = url
            .host_str()
            .ok_or_else(|| DeliveryError::Refused(format!("refused {raw}: no host")))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        resolve_public(host)
            .await
            .map(|_| ())
            .map_err(DeliveryError::Refused)
    }

    /// Posts one event; Ok only on a 2xx answer.
    async fn post(
        &self,
        url: &str,
        key: &[u8],
        item: &SequencedEvent,
    ) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(&WebhookPayload::from(item))
            .map_err(|e| DeliveryError::Refused(format!("cannot encode the event: {e}")))?;
        let id = item.event.id.to_string();
        let timestamp = self.clock.now().timestamp();
        let signature = sign(key, &id, timestamp, &body);
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError::Transport(chain(&e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(DeliveryError::Status(status.as_u16()))
        }
    }

    /// Counts a failed attempt and schedules the retry with backoff (this releases the lease).
    async fn record_failure(
        &self,
        hook: &WebhookRecord,
        error: &DeliveryError,
        round: &mut WebhookRound,
    ) -> Result<(), EventsError> {
        let attempt = u32::try_from(hook.attempts.saturating_add(1)).unwrap_or(u32::MAX);
        let retry_at = self.clock.now() + chrono::Duration::seconds(backoff_seconds(attempt));
        tracing::warn!(webhook = %hook.id, attempt, %retry_at, error = %error, "webhook delivery failed");
        self.store
            .webhook_failed(hook.id, &self.config.node_id, retry_at, &error.to_string())
            .await?;
        round.failed += 1;
        Ok(())
    }
}
