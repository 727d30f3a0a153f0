//! The omnichannel inbox over HTTP: connectors post inbound messages from any channel to one
//! generic webhook; the sender is identified by their handle, phone or email and the message
//! joins their open thread whatever channel it came from. The bot answers typical requests
//! from live data and hands the rest to a queue; agents see the whole thread and reply in the
//! customer's channel. Outbound messages are events (`message.sent`) that delivery adapters
//! (webhook subscriptions to a provider) carry out.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::customers::{IdentifierKind, InteractionKind, TimelineEntry, TimelineEntryId};
use omni_domain::engagement::{
    Author, Conversation, ConversationId, ConversationStatus, Message, MessageChannel, MessageId,
    check_text, recognize,
};
use omni_domain::events::DomainEvent;
use omni_kernel::{CustomerId, Timestamp};
use omni_store::WriteTx;
use omni_store::engagement::Participant;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations/inbound", post(inbound))
        .route("/conversations", get(list))
        .route("/conversations/{id}", get(show))
        .route("/conversations/{id}/messages", post(staff_reply))
        .route("/conversations/{id}/close", post(close))
        .route("/engagement/automation", get(automation))
}

/// Who wrote: a handle of the channel (phone, email, messenger handle).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    pub kind: IdentifierKind,
    pub value: String,
}

/// A message a connector received.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Inbound {
    pub channel: MessageChannel,
    pub from: Sender,
    pub text: String,
}

/// The thread after an inbound message, with what was answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboundResult {
    pub conversation: Conversation,
    pub received: Message,
    /// The bot's answer or its hand-off notice (to deliver in the same channel).
    pub replies: Vec<Message>,
}

fn message(
    c: &Conversation,
    channel: MessageChannel,
    author: Author,
    text: String,
    intent: Option<omni_domain::engagement::Intent>,
    at: Timestamp,
) -> Message {
    Message {
        id: MessageId::new(),
        conversation_id: c.id,
        channel,
        author,
        text,
        intent,
        at,
    }
}

/// Records a message with its event and, for a known customer, a timeline entry.
async fn record_message(tx: &mut WriteTx, c: &Conversation, m: &Message) -> Result<(), ApiError> {
    tx.insert_message(c.tenant_id, m).await?;
    let kind = if m.author == Author::Customer {
        "message.received"
    } else {
        "message.sent"
    };
    let data = json!({"conversation_id": c.id, "message_id": m.id, "customer_id": c.customer_id,
        "handle": c.handle, "channel": m.channel, "author": m.author, "text": m.text, "intent": m.intent});
    tx.record(&DomainEvent::new(c.tenant_id, kind, m.id, m.at, data))
        .await?;
    if let Some(customer) = c.customer_id {
        let entry = TimelineEntry {
            id: TimelineEntryId::new(),
            customer_id: Some(customer),
            device_id: None,
            kind: InteractionKind::Message,
            channel: omni_kernel::Channel::Messenger,
            location_id: None,
            occurred_at: m.at,
            data: json!({"conversation_id": c.id, "message_id": m.id, "channel": m.channel}),
        };
        tx.insert_timeline(c.tenant_id, &entry).await?;
    }
    Ok(())
}

/// The sender's customer, if known (an unknown or erased sender is served anonymously).
async fn sender_customer(
    state: &AppState,
    principal: &Principal,
    from: &Sender,
) -> Result<Option<CustomerId>, ApiError> {
    match crate::customers_identify::find(state, principal, from.kind, &from.value).await {
        Ok(c) => Ok(Some(c.id)),
        Err(ApiError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Receives a message from any channel: identifies the sender, threads it into their open
/// conversation, and lets the bot answer or hand off. Every message is recorded with its
/// event, and on the customer's timeline.
#[utoipa::path(post, path = "/v1/conversations/inbound", tag = "engagement", security(("api_key" = [])),
    request_body = Inbound,
    responses((status = 200, body = InboundResult), (status = 422, body = Problem)))]
pub async fn inbound(
    State(state): State<AppState>,
    axum::extract::Extension(books): axum::extract::Extension<
        std::sync::Arc<crate::offers_books::OfferBooks>,
    >,
    principal: Principal,
    body: JsonBody<Inbound>,
) -> Result<Json<InboundResult>, ApiError> {
    principal.require(Action::Converse)?;
    let req = body.value;
    check_text("text", &req.text)?;
    let customer = sender_customer(&state, &principal, &req.from).await?;
    let handle = format!("{}:{}", req.from.kind.as_str(), req.from.value.trim());
    let recognized = recognize(&req.text);
    let answer =
        crate::engagement_bot::answer(&state, &books, &principal, customer, &recognized).await?;
    let now = state.clock.now();
    let mut tx = state.store.write().await?;
    let who = match customer {
        Some(c) => Participant::Customer(c),
        None => Participant::Handle(&handle),
    };
    let (mut c, version) = match tx.latest_conversation(principal.tenant, who).await? {
        Some(c) if c.continues_at(now) => {
            let v = c.version;
            (c, Some(v))
        }
        _ => (
            Conversation::start(
                principal.tenant,
                customer,
                customer.is_none().then(|| handle.clone()),
                req.channel,
                now,
            ),
            None,
        ),
    };
    c.customer_wrote(req.channel, now);
    let received = message(
        &c,
        req.channel,
        Author::Customer,
        req.text,
        Some(recognized.intent),
        now,
    );
    record_message(&mut tx, &c, &received).await?;
    let mut replies = Vec::new();
    if c.status == ConversationStatus::Bot {
        if recognized.needs_human() {
            c.hand_off("general", now);
        }
        let text = answer.text;
        let m = message(&c, req.channel, Author::Bot, text, None, now);
        c.bot_replied(req.channel, now);
        record_message(&mut tx, &c, &m).await?;
        replies.push(m);
    }
    tx.save_conversation(&c, version).await?;
    tx.commit().await?;
    state.events_written.notify_one();
    Ok(Json(InboundResult {
        conversation: c,
        received,
        replies,
    }))
}

/// A queue or a customer's threads.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// `waiting` for the queue of handed-off threads.
    pub status: Option<ConversationStatus>,
    pub customer_id: Option<String>,
}

/// Threads waiting for a person (oldest first), or a customer's threads.
#[utoipa::path(get, path = "/v1/conversations", tag = "engagement", security(("api_key" = [])),
    params(ConversationQuery),
    responses((status = 200, body = Vec<Conversation>)))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<ConversationQuery>,
) -> Result<Json<Vec<Conversation>>, ApiError> {
    principal.require(Action::HandleConversations)?;
    let customer = match q.customer_id {
        Some(c) => Some(
            c.parse()
                .map_err(|_| ApiError::field("customer_id", "invalid", "a customer id"))?,
        ),
        None => None,
    };
    Ok(Json(
        state
            .store
            .conversations(principal.tenant, q.status, customer, 100)
            .await?,
    ))
}

/// A thread with its whole history across channels.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Thread {
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}

/// A thread and every message in it, whatever channel each came by.
#[utoipa::path(get, path = "/v1/conversations/{id}", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Thread), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ConversationId>,
) -> Result<Json<Thread>, ApiError> {
    principal.require(Action::HandleConversations)?;
    let conversation = state.store.conversation(principal.tenant, id).await?;
    let messages = state.store.messages(principal.tenant, id, 1_000).await?;
    Ok(Json(Thread {
        conversation,
        messages,
    }))
}

/// A person's answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffReply {
    pub text: String,
    /// The customer's last channel when absent ("answer where they wrote").
    #[serde(default)]
    pub channel: Option<MessageChannel>,
}

/// An agent or associate answers: the thread becomes theirs and the message goes out in the
/// customer's channel.
#[utoipa::path(post, path = "/v1/conversations/{id}/messages", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = StaffReply,
    responses((status = 201, body = Message), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn staff_reply(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ConversationId>,
    body: JsonBody<StaffReply>,
) -> Result<Response, ApiError> {
    principal.require(Action::HandleConversations)?;
    check_text("text", &body.value.text)?;
    let now = state.clock.now();
    let who = crate::orders_placing::actor(&principal);
    let mut tx = state.store.write().await?;
    let mut c = tx.conversation(principal.tenant, id).await?;
    let version = c.version;
    let channel = body.value.channel.unwrap_or(c.last_channel);
    c.staff_replied(&who, channel, now);
    let m = message(
        &c,
        channel,
        Author::Staff { name: who },
        body.value.text.clone(),
        None,
        now,
    );
    record_message(&mut tx, &c, &m).await?;
    tx.save_conversation(&c, Some(version)).await?;
    tx.commit().await?;
    state.events_written.notify_one();
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// Closes a thread (the customer's next message reopens it with the bot).
#[utoipa::path(post, path = "/v1/conversations/{id}/close", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = Problem)))]
pub async fn close(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ConversationId>,
) -> Result<Json<Conversation>, ApiError> {
    principal.require(Action::HandleConversations)?;
    let mut tx = state.store.write().await?;
    let mut c = tx.conversation(principal.tenant, id).await?;
    let version = c.version;
    c.close(state.clock.now());
    tx.save_conversation(&c, Some(version)).await?;
    tx.commit().await?;
    Ok(Json(c))
}

/// How many threads the bot handled without a person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Automation {
    pub conversations: i64,
    pub without_a_person: i64,
    /// `without_a_person / conversations`, in basis points (10,000 = all).
    pub rate_bp: i64,
}

/// The bot's automation rate (the seeds' "20 % and more").
#[utoipa::path(get, path = "/v1/engagement/automation", tag = "engagement", security(("api_key" = [])),
    responses((status = 200, body = Automation)))]
pub async fn automation(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Automation>, ApiError> {
    principal.require(Action::HandleConversations)?;
    let (total, bot) = state.store.automation(principal.tenant).await?;
    Ok(Json(Automation {
        conversations: total,
        without_a_person: bot,
        rate_bp: if total > 0 { bot * 10_000 / total } else { 0 },
    }))
}
