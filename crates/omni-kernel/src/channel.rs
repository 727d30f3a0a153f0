//! Sales and service channels. The platform's promise is that the channel stops mattering to
//! the customer, so every fact (an order, a message, a price) records where it came from.

use serde::{Deserialize, Serialize};

/// A channel through which a customer or an employee interacts with the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    Web,
    MobileApp,
    Pos,
    AssociateApp,
    CallCenter,
    Kiosk,
    Messenger,
    Chatbot,
}

impl Channel {
    /// Every channel, in a stable order (for reports and demo data).
    pub const ALL: [Channel; 8] = [
        Channel::Web,
        Channel::MobileApp,
        Channel::Pos,
        Channel::AssociateApp,
        Channel::CallCenter,
        Channel::Kiosk,
        Channel::Messenger,
        Channel::Chatbot,
    ];

    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::MobileApp => "mobile_app",
            Channel::Pos => "pos",
            Channel::AssociateApp => "associate_app",
            Channel::CallCenter => "call_center",
            Channel::Kiosk => "kiosk",
            Channel::Messenger => "messenger",
            Channel::Chatbot => "chatbot",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).expect("serialize");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        assert_eq!(Channel::parse("fax"), None);
    }
}
