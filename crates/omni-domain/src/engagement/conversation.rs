//! Conversations: one thread per customer that continues whatever channel they write in
//! next, with the bot first and a person when the bot cannot help. The status says who has
//! the conversation; every message records its channel, so the history reads as one story.

use omni_kernel::{CustomerId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{ConversationId, Intent, MessageId};
use crate::Violations;

/// A conversation stays one thread while the customer keeps writing within this many days.
pub const THREAD_DAYS: i64 = 7;
/// A waiting conversation should get a person's first answer within this many minutes.
pub const FIRST_RESPONSE_MINUTES: i64 = 5;

/// Where a message came in or went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MessageChannel {
    WebChat,
    AppChat,
    Telegram,
    Whatsapp,
    Vk,
    Sms,
    Email,
    /// A phone call, written down by the agent.
    Call,
    /// The console or a test channel.
    Console,
}

/// Who has the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ConversationStatus {
    /// The bot is answering.
    Bot,
    /// Handed off: waiting in a queue for a person.
    Waiting,
    /// A person answered and owns it.
    Assigned,
    Closed,
}

impl ConversationStatus {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Bot => "bot",
            ConversationStatus::Waiting => "waiting",
            ConversationStatus::Assigned => "assigned",
            ConversationStatus::Closed => "closed",
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Author {
    Customer,
    Bot,
    /// A person in the call center or a store, by their key's name.
    Staff {
        name: String,
    },
}

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: MessageId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub conversation_id: ConversationId,
    pub channel: MessageChannel,
    pub author: Author,
    pub text: String,
    /// What the bot understood (inbound messages the bot read).
    pub intent: Option<Intent>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// A thread with one customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ConversationId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// `None` while the sender is not known (they can still be helped).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_id: Option<CustomerId>,
    /// The handle of an unknown sender (`telegram:@name`), to thread their next message.
    pub handle: Option<String>,
    pub status: ConversationStatus,
    /// The queue a handed-off conversation waits in (skill).
    pub queue: String,
    pub assigned_to: Option<String>,
    /// Every channel used in this thread, in order of first use.
    pub channels: Vec<MessageChannel>,
    pub last_channel: MessageChannel,
    /// Whether a person ever answered (the bot's automation rate counts the others).
    pub human_involved: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub first_response_due: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_message_at: Timestamp,
    pub version: i64,
}

/// Checks a message's text: 1–4,000 characters.
pub fn check_text(field: &str, text: &str) -> Result<(), Violations> {
    let mut v = Violations::new();
    if text.trim().is_empty() {
        v.push(field, "required", "the message is empty");
    }
    v.text(field, text, 4_000);
    v.finish(())
}

impl Conversation {
    /// A new thread, with the bot first.
    pub fn start(
        tenant: TenantId,
        customer: Option<CustomerId>,
        handle: Option<String>,
        channel: MessageChannel,
        now: Timestamp,
    ) -> Conversation {
        Conversation {
            id: ConversationId::new(),
            tenant_id: tenant,
            customer_id: customer,
            handle,
            status: ConversationStatus::Bot,
            queue: "general".into(),
            assigned_to: None,
            channels: vec![channel],
            last_channel: channel,
            human_involved: false,
            first_response_due: None,
            created_at: now,
            last_message_at: now,
            version: 1,
        }
    }

    /// Whether a new inbound message continues this thread (open and recent), whatever its
    /// channel — a chat started in a messenger continues on the phone.
    pub fn continues_at(&self, now: Timestamp) -> bool {
        self.status != ConversationStatus::Closed
            && now - self.last_message_at <= chrono::Duration::days(THREAD_DAYS)
    }

    fn touch(&mut self, channel: MessageChannel, now: Timestamp) {
        if !self.channels.contains(&channel) {
            self.channels.push(channel);
        }
        self.last_channel = channel;
        self.last_message_at = now;
        self.version += 1;
    }

    /// The customer wrote again (any channel); a closed thread reopens with the bot.
    pub fn customer_wrote(&mut self, channel: MessageChannel, now: Timestamp) {
        if self.status == ConversationStatus::Closed {
            self.status = ConversationStatus::Bot;
        }
        self.touch(channel, now);
    }

    /// The bot could not help: the thread waits in `queue` for a person, with an SLA.
    pub fn hand_off(&mut self, queue: &str, now: Timestamp) {
        if self.status == ConversationStatus::Bot {
            self.status = ConversationStatus::Waiting;
            self.queue = queue.to_owned();
            self.first_response_due = Some(now + chrono::Duration::minutes(FIRST_RESPONSE_MINUTES));
        }
    }

    /// A person answered: the thread is theirs.
    pub fn staff_replied(&mut self, who: &str, channel: MessageChannel, now: Timestamp) {
        self.status = ConversationStatus::Assigned;
        self.assigned_to = Some(who.to_owned());
        self.human_involved = true;
        self.first_response_due = None;
        self.touch(channel, now);
    }

    /// The bot answered in the customer's channel.
    pub fn bot_replied(&mut self, channel: MessageChannel, now: Timestamp) {
        self.touch(channel, now);
    }

    /// Done (by a person, or the bot after a resolved request).
    pub fn close(&mut self, now: Timestamp) {
        self.status = ConversationStatus::Closed;
        self.first_response_due = None;
        self.last_message_at = self.last_message_at.max(now);
        self.version += 1;
    }
}
