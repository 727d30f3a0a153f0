//! Engagement: one conversation with a customer across every channel, a chatbot that answers
//! typical requests from live data and hands the rest to a person, trigger chains that message
//! customers when something happens (within consent, quiet hours and caps), and remote
//! consultations a free associate anywhere can take. Pure: adapters persist and send.

mod consultation;
mod conversation;
mod intents;
mod triggers;

pub use consultation::*;
pub use conversation::*;
pub use intents::*;
pub use triggers::*;

omni_kernel::define_id!(
    /// A conversation (one thread per customer and topic, across channels).
    ConversationId, "cnv"
);
omni_kernel::define_id!(
    /// A message in a conversation.
    MessageId, "msg"
);
omni_kernel::define_id!(
    /// A remote consultation request.
    ConsultationId, "cns"
);
