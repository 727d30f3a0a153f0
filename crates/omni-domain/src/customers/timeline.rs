//! The customer timeline: every interaction in every channel, appended with its channel,
//! location and time. Entries recorded against an anonymous device carry the device id and no
//! customer; when the device identifies they are stitched to the customer.

use omni_kernel::{Channel, CustomerId, LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use super::TimelineEntryId;
use crate::Violations;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InteractionKind {
    ProductViewed,
    CartChanged,
    OrderPlaced,
    PickedUp,
    Returned,
    StoreVisit,
    Message,
    Call,
    Consultation,
    /// The customer identified (login, card scan, QR at the till).
    Identified,
}

impl InteractionKind {
    /// Storage and filter name.
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionKind::ProductViewed => "product_viewed",
            InteractionKind::CartChanged => "cart_changed",
            InteractionKind::OrderPlaced => "order_placed",
            InteractionKind::PickedUp => "picked_up",
            InteractionKind::Returned => "returned",
            InteractionKind::StoreVisit => "store_visit",
            InteractionKind::Message => "message",
            InteractionKind::Call => "call",
            InteractionKind::Consultation => "consultation",
            InteractionKind::Identified => "identified",
        }
    }
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub id: TimelineEntryId,
    pub customer_id: Option<CustomerId>,
    /// The anonymous device it was recorded against, until stitched.
    pub device_id: Option<String>,
    pub kind: InteractionKind,
    pub channel: Channel,
    pub location_id: Option<LocationId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub occurred_at: Timestamp,
    /// References (product, order, conversation ids); not a place for personal data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

/// What a client appends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineDraft {
    pub kind: InteractionKind,
    /// Defaults to (and for apps must be) the caller's channel.
    pub channel: Option<Channel>,
    pub location_id: Option<LocationId>,
    /// Defaults to now; may not lie in the future.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub occurred_at: Option<Timestamp>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

impl TimelineDraft {
    /// Validates and builds the entry for a customer or a device, on `channel`.
    pub fn into_entry(
        self,
        customer_id: Option<CustomerId>,
        device_id: Option<String>,
        channel: Channel,
        now: Timestamp,
    ) -> Result<TimelineEntry, Violations> {
        let mut v = Violations::new();
        let occurred_at = self.occurred_at.unwrap_or(now);
        if occurred_at > now + chrono::Duration::minutes(5) {
            v.push(
                "occurred_at",
                "in_future",
                "an interaction cannot happen in the future",
            );
        }
        let data = if self.data.is_null() {
            serde_json::json!({})
        } else {
            self.data
        };
        if !data.is_object() {
            v.push("data", "invalid", "must be an object");
        } else if data.to_string().len() > 4096 {
            v.push("data", "too_long", "at most 4 KiB");
        }
        v.finish(TimelineEntry {
            id: TimelineEntryId::new(),
            customer_id,
            device_id,
            kind: self.kind,
            channel,
            location_id: self.location_id,
            occurred_at,
            data,
        })
    }
}
