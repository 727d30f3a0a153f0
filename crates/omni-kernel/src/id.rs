//! Prefixed, time-ordered identifiers (`loc_01jd…`).
//!
//! Ids are ULIDs so they sort by creation time (good B-tree locality, cursor pagination for
//! free) and carry a type prefix so that a customer id can never be passed where an order id
//! is expected — neither in Rust (distinct newtypes) nor over the wire (the prefix is checked).

use std::fmt;
use std::str::FromStr;

/// Why an id string was refused; names the expected prefix so the client can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("expected an id starting with `{expected}_`")]
    WrongPrefix { expected: &'static str },
    #[error("the part after `{prefix}_` is not a valid ULID")]
    Malformed { prefix: &'static str },
}

/// Parses `prefix_ulid` (case-insensitive) into a ULID; shared by every id type.
pub fn parse_prefixed(prefix: &'static str, s: &str) -> Result<ulid::Ulid, IdError> {
    let rest = s
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('_'))
        .ok_or(IdError::WrongPrefix { expected: prefix })?;
    ulid::Ulid::from_string(&rest.to_ascii_uppercase()).map_err(|_| IdError::Malformed { prefix })
}

/// Declares a prefixed id newtype with parsing, display, serde and (optionally) OpenAPI.
#[macro_export]
macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name($crate::id::Ulid);

        impl $name {
            /// The wire prefix of this id type.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh id, sorting after every id this process made before.
            pub fn new() -> Self {
                Self($crate::id::next_ulid())
            }

            /// Rebuilds an id from its ULID, e.g. for deterministic demo data.
            pub const fn from_ulid(ulid: $crate::id::Ulid) -> Self {
                Self(ulid)
            }

            /// The ULID inside, for storage keys and ordering.
            pub const fn ulid(&self) -> $crate::id::Ulid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::id::write_prefixed(f, $prefix, self.0)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self, f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::id::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::id::parse_prefixed($prefix, s).map(Self)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }

        $crate::id_schema!($name, $prefix);
    };
}

#[doc(hidden)]
#[cfg(feature = "openapi")]
#[macro_export]
macro_rules! id_schema {
    ($name:ident, $prefix:literal) => {
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::ObjectBuilder::new()
                    .schema_type(::utoipa::openapi::schema::Type::String)
                    .pattern(Some(concat!("^", $prefix, "_[0-9a-z]{26}$")))
                    .examples([concat!($prefix, "_01jd2x7k3m9q8r5t6v7w8y9z0a")])
                    .into()
            }
        }
        impl ::utoipa::ToSchema for $name {}
    };
}

#[doc(hidden)]
#[cfg(not(feature = "openapi"))]
#[macro_export]
macro_rules! id_schema {
    ($name:ident, $prefix:literal) => {};
}

pub use ulid::Ulid;

static GENERATOR: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());

/// A ULID greater than every one this process generated before, so ids made in the same
/// millisecond still sort in creation order (cursor pagination then follows creation order).
pub fn next_ulid() -> Ulid {
    let mut generator = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    generator.generate().unwrap_or_else(|_| Ulid::generate())
}

/// Writes `prefix_` and the lower-case ULID without allocating.
pub fn write_prefixed(f: &mut fmt::Formatter<'_>, prefix: &str, ulid: Ulid) -> fmt::Result {
    let mut buf = [0u8; ulid::ULID_LEN];
    let text = ulid.array_to_str(&mut buf);
    f.write_str(prefix)?;
    f.write_str("_")?;
    for c in text.chars() {
        fmt::Write::write_char(f, c.to_ascii_lowercase())?;
    }
    Ok(())
}

define_id!(
    /// A tenant: one retail chain, the unit of data isolation.
    TenantId, "ten"
);
define_id!(
    /// A physical or partner location: store, warehouse, pickup point.
    LocationId, "loc"
);
define_id!(
    /// An API key (the public part; the secret is never stored).
    ApiKeyId, "key"
);
define_id!(
    /// A domain event in the outbox and the feed.
    EventId, "evt"
);
define_id!(
    /// A webhook subscription.
    WebhookId, "whk"
);
define_id!(
    /// A customer (golden record).
    CustomerId, "cus"
);
define_id!(
    /// A product (the model that variants belong to).
    ProductId, "prd"
);
define_id!(
    /// An order.
    OrderId, "ord"
);
define_id!(
    /// A request, echoed in `x-request-id` and problem documents.
    RequestId, "req"
);

/// Lets id types be used where only the text form matters (logs, SQL binds).
pub trait PrefixedId: fmt::Display + FromStr + Copy {}
impl<T: fmt::Display + FromStr + Copy> PrefixedId for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_round_trips_through_text_and_json() {
        let id = LocationId::new();
        let text = id.to_string();
        assert!(text.starts_with("loc_"));
        assert_eq!(text.len(), 4 + 26);
        assert_eq!(text, text.to_lowercase());
        assert_eq!(text.parse::<LocationId>(), Ok(id));
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(
            serde_json::from_str::<LocationId>(&json).expect("parse"),
            id
        );
    }

    #[test]
    fn id_with_another_prefix_is_refused() {
        let other = CustomerId::new().to_string();
        assert_eq!(
            other.parse::<LocationId>(),
            Err(IdError::WrongPrefix { expected: "loc" })
        );
        assert!(serde_json::from_str::<LocationId>(&format!("\"{other}\"")).is_err());
    }

    #[test]
    fn malformed_ulid_is_refused() {
        assert_eq!(
            "loc_notaulid".parse::<LocationId>(),
            Err(IdError::Malformed { prefix: "loc" })
        );
    }

    #[test]
    fn ids_sort_by_creation() {
        let a = EventId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = EventId::new();
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }
}
