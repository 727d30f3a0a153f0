//! The chain's network of locations — warehouses, stores, pickup and partner points — with
//! coordinates, time zones, opening hours and capabilities. Every other context needs them:
//! stock lives at locations, orders are sourced from and picked up at them, associates
//! belong to one.

mod hours;
mod location;

pub use hours::{DayHours, OpeningHours, String24, TimeRange, Weekday, local_time};
pub use location::{
    Capability, Location, LocationDraft, LocationKind, LocationPatch, LocationStatus,
};
