//! The order lifecycle as an explicit state machine. Every status change goes through
//! [`OrderStatus::apply`], so an illegal step (shipping a cancelled order, cancelling a
//! delivered one) is refused in one place and every legal one can be recorded as an event.

use serde::{Deserialize, Serialize};

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrderStatus {
    Placed,
    Allocated,
    Picking,
    Packed,
    Shipped,
    ReadyForPickup,
    Delivered,
    PickedUp,
    Completed,
    Cancelled,
    /// Every unit came back.
    Returned,
}

/// What someone (or the system) does to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrderAction {
    Allocate,
    StartPicking,
    Pack,
    Ship,
    MarkReady,
    Deliver,
    PickUp,
    Complete,
    Cancel,
    /// The last units were returned.
    ReturnAll,
}

/// A step the state machine refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {} cannot {}", .from.as_str(), .action.as_str())]
pub struct TransitionError {
    pub from: OrderStatus,
    pub action: OrderAction,
}

impl OrderStatus {
    /// Every status, for exhaustive tests and reports.
    pub const ALL: [OrderStatus; 11] = [
        OrderStatus::Placed,
        OrderStatus::Allocated,
        OrderStatus::Picking,
        OrderStatus::Packed,
        OrderStatus::Shipped,
        OrderStatus::ReadyForPickup,
        OrderStatus::Delivered,
        OrderStatus::PickedUp,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Returned,
    ];

    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Allocated => "allocated",
            OrderStatus::Picking => "picking",
            OrderStatus::Packed => "packed",
            OrderStatus::Shipped => "shipped",
            OrderStatus::ReadyForPickup => "ready_for_pickup",
            OrderStatus::Delivered => "delivered",
            OrderStatus::PickedUp => "picked_up",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Returned => "returned",
        }
    }

    /// Parses the storage name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The status after `action`, or why not.
    pub fn apply(self, action: OrderAction) -> Result<OrderStatus, TransitionError> {
        use OrderAction as A;
        use OrderStatus as S;
        let next = match (self, action) {
            (S::Placed, A::Allocate) => S::Allocated,
            (S::Allocated, A::StartPicking) => S::Picking,
            (S::Picking, A::Pack) => S::Packed,
            (S::Packed, A::Ship) => S::Shipped,
            (S::Packed, A::MarkReady) => S::ReadyForPickup,
            (S::Shipped, A::Deliver) => S::Delivered,
            (S::ReadyForPickup, A::PickUp) => S::PickedUp,
            (S::Delivered | S::PickedUp, A::Complete) => S::Completed,
            (S::Placed | S::Allocated | S::Picking | S::Packed | S::ReadyForPickup, A::Cancel) => {
                S::Cancelled
            }
            (S::Delivered | S::PickedUp | S::Completed, A::ReturnAll) => S::Returned,
            (from, action) => return Err(TransitionError { from, action }),
        };
        Ok(next)
    }

    /// Goods still held for the order (reservations active): before they leave the shelf.
    pub fn holds_stock(self) -> bool {
        matches!(
            self,
            OrderStatus::Placed
                | OrderStatus::Allocated
                | OrderStatus::Picking
                | OrderStatus::Packed
                | OrderStatus::ReadyForPickup
        )
    }

    /// The customer has the goods, so they may bring some back.
    pub fn returnable(self) -> bool {
        matches!(
            self,
            OrderStatus::Delivered | OrderStatus::PickedUp | OrderStatus::Completed
        )
    }

    /// A store associate has work to do on it (pick, pack, hand over).
    pub fn is_store_work(self) -> bool {
        matches!(
            self,
            OrderStatus::Placed
                | OrderStatus::Allocated
                | OrderStatus::Picking
                | OrderStatus::Packed
                | OrderStatus::ReadyForPickup
        )
    }
}

impl OrderAction {
    /// Every action, for exhaustive tests.
    pub const ALL: [OrderAction; 10] = [
        OrderAction::Allocate,
        OrderAction::StartPicking,
        OrderAction::Pack,
        OrderAction::Ship,
        OrderAction::MarkReady,
        OrderAction::Deliver,
        OrderAction::PickUp,
        OrderAction::Complete,
        OrderAction::Cancel,
        OrderAction::ReturnAll,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderAction::Allocate => "allocate",
            OrderAction::StartPicking => "start_picking",
            OrderAction::Pack => "pack",
            OrderAction::Ship => "ship",
            OrderAction::MarkReady => "mark_ready",
            OrderAction::Deliver => "deliver",
            OrderAction::PickUp => "pick_up",
            OrderAction::Complete => "complete",
            OrderAction::Cancel => "cancel",
            OrderAction::ReturnAll => "return_all",
        }
    }

    /// The event type announcing the status this action leads to.
    pub fn event_type(self) -> &'static str {
        match self {
            OrderAction::Allocate => "order.allocated",
            OrderAction::StartPicking => "order.picking",
            OrderAction::Pack => "order.packed",
            OrderAction::Ship => "order.shipped",
            OrderAction::MarkReady => "order.ready_for_pickup",
            OrderAction::Deliver => "order.delivered",
            OrderAction::PickUp => "order.picked_up",
            OrderAction::Complete => "order.completed",
            OrderAction::Cancel => "order.cancelled",
            OrderAction::ReturnAll => "order.returned",
        }
    }
}
