//! The shared kernel: the small, pure value types every bounded context speaks —
//! prefixed ids, money in minor units, channels, geography and the clock.
//!
//! Nothing here does I/O; every type is parsed at the edge ("parse, don't validate")
//! so that the contexts never see an unchecked string or a float amount.

pub mod channel;
pub mod clock;
pub mod geo;
pub mod id;
pub mod locale;
pub mod money;

pub use channel::Channel;
pub use clock::{Clock, FixedClock, SystemClock, Timestamp};
pub use geo::GeoPoint;
pub use id::*;
pub use locale::{CountryCode, Locale};
pub use money::{Currency, Money, MoneyError, allocate_minor};
