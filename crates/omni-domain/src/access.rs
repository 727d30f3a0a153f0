//! Who may do what: roles bound to a tenant (and, for associates, to a store; for channel apps,
//! to a channel), the actions each role may take, and the API key format.
//!
//! Keys look like `omk_<key id>_<secret>`. Only a SHA-256 of the 256-bit secret is stored;
//! with that much entropy a slow hash adds nothing, and a constant-time comparison keeps the
//! check free of timing leaks. Revoking a key in the database takes effect on every node.

use base64::Engine as _;
use omni_kernel::{ApiKeyId, Channel, LocationId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A role a key acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Runs the chain's configuration: locations, keys, webhooks.
    Admin,
    /// Manages promotions, segments and campaigns; reads customers in aggregate.
    Marketer,
    /// A store associate; acts for one store.
    Associate { store: LocationId },
    /// A call-center agent: the single window on customers and their conversations.
    Agent,
    /// A customer-facing app (web, mobile, kiosk, POS) acting for shoppers.
    App { channel: Channel },
}

/// Every action a route checks. Contexts add theirs as they land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the tenant's own settings and countries.
    ReadTenant,
    /// Read locations (every role needs them).
    ReadLocations,
    /// Create or change locations.
    ManageLocations,
    /// Create, list and revoke API keys.
    ManageKeys,
    /// Manage webhook subscriptions.
    ManageWebhooks,
    /// Read the domain event feed.
    ReadEvents,
    /// Identify customers and read reduced profiles, timelines and consents.
    ReadCustomers,
    /// Read a customer's full personal data (audited, with a reason).
    ReadCustomerPii,
    /// Create customers, add identifiers, append to timelines, record consents, stitch devices.
    WriteCustomers,
    /// Change a profile's attributes and review, approve or reverse merges.
    EditCustomers,
    /// Erase a customer or export everything held about one (data subject requests).
    EraseCustomers,
    /// Define and materialise segments (ids only, no raw personal data).
    ManageSegments,
    /// Read stock levels, the ledger and availability (every role: shoppers' apps need it).
    ReadStock,
    /// Place, extend, release and commit reservations (apps, associates, agents, admins).
    ReserveStock,
    /// Record movements, counts and transfers; import feeds (admins; associates at their store).
    ManageStock,
    /// Read products, categories and brands and search the catalog (apps see only what is
    /// published for their channel).
    ReadCatalog,
    /// Create and enrich products, categories, brands and synonyms; import files.
    ManageCatalog,
    /// Move products through review and publication per channel.
    PublishCatalog,
    /// Price a cart and read active offers and a customer's points (every role: every
    /// channel prices the same way).
    PriceCarts,
    /// Commit or cancel a priced sale: redeem coupons and limits, burn and earn points.
    RedeemOffers,
    /// Edit price lists, promotions, coupons and the loyalty programme; dry-run drafts.
    ManageOffers,
    /// Give goodwill points to a customer.
    GiftPoints,
    /// Open, read and change carts, ask for delivery options and check out (every role
    /// that serves a shopper).
    Shop,
    /// Read orders (find them by number, customer or store).
    ReadOrders,
    /// Pick, pack, ship and hand out orders (admins; associates for their store's orders).
    FulfilOrders,
    /// Cancel orders and take returns (not marketers; associates at their store).
    ServiceOrders,
    /// Edit the sourcing rules and run the simulator.
    ManageSourcing,
    /// Post inbound messages (channel connectors) and request consultations.
    Converse,
    /// Work the inbox: read threads, reply, close (agents, associates, admins).
    HandleConversations,
    /// Take remote consultations (associates) and set one's expertise.
    Consult,
    /// Define trigger chains and read their runs and firing log (marketers, admins).
    ManageTriggers,
    /// Read the analytics reports (segments, LTV, cohorts, sales, uplift, forecasts, NPS)
    /// and rebuild them (marketers, admins).
    ReadAnalytics,
    /// Ask for product recommendations for a customer or a SKU (every role that serves a
    /// shopper, and marketers).
    Recommend,
    /// Record a customer's answer to the post-purchase survey (every role that serves a
    /// shopper).
    AnswerSurveys,
}

impl Role {
    /// The stable role name for storage, CLI and display.
    pub fn name(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Marketer => "marketer",
            Role::Associate { .. } => "associate",
            Role::Agent => "agent",
            Role::App { .. } => "app",
        }
    }

    /// Whether this role may perform `action` (function-level authorization).
    pub fn allows(&self, action: Action) -> bool {
        use Action::*;
        match action {
            ReadTenant | ReadLocations => true,
            ManageLocations | ManageKeys | ManageWebhooks => matches!(self, Role::Admin),
            ReadEvents => matches!(self, Role::Admin | Role::Marketer),
            ReadCustomers | WriteCustomers => !matches!(self, Role::Marketer),
            ReadCustomerPii | EditCustomers => matches!(self, Role::Admin | Role::Agent),
            EraseCustomers => matches!(self, Role::Admin),
            ManageSegments => matches!(self, Role::Admin | Role::Marketer),
            ReadStock => true,
            ReserveStock => !matches!(self, Role::Marketer),
            ManageStock => matches!(self, Role::Admin | Role::Associate { .. }),
            ReadCatalog => true,
            ManageCatalog | PublishCatalog => matches!(self, Role::Admin),
            PriceCarts => true,
            RedeemOffers => !matches!(self, Role::Marketer),
            ManageOffers => matches!(self, Role::Admin | Role::Marketer),
            GiftPoints => matches!(self, Role::Admin | Role::Marketer | Role::Agent),
            Shop | ReadOrders | ServiceOrders => !matches!(self, Role::Marketer),
            FulfilOrders => matches!(self, Role::Admin | Role::Associate { .. }),
            ManageSourcing => matches!(self, Role::Admin),
            Converse => !matches!(self, Role::Marketer),
            HandleConversations => {
                matches!(self, Role::Admin | Role::Agent | Role::Associate { .. })
            }
            Consult => matches!(self, Role::Admin | Role::Associate { .. }),
            ManageTriggers => matches!(self, Role::Admin | Role::Marketer),
            ReadAnalytics => matches!(self, Role::Admin | Role::Marketer),
            Recommend => true,
            AnswerSurveys => !matches!(self, Role::Marketer),
        }
    }

    /// The store an associate acts for, if any.
    pub fn store(&self) -> Option<LocationId> {
        match self {
            Role::Associate { store } => Some(*store),
            _ => None,
        }
    }
}

/// Why a role description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("unknown role `{0}`: use admin, marketer, associate, agent or app")]
    Unknown(String),
    #[error("an associate key needs the store it works in")]
    StoreRequired,
    #[error("an app key needs its channel (web, mobile_app, kiosk or pos)")]
    ChannelRequired,
    #[error("`{0}` is not a customer-facing app channel")]
    NotAnAppChannel(String),
}

impl Role {
    /// Builds a role from its name and the binding it needs (CLI and API share this).
    pub fn from_parts(
        name: &str,
        store: Option<LocationId>,
        channel: Option<&str>,
    ) -> Result<Role, RoleError> {
        match name {
            "admin" => Ok(Role::Admin),
            "marketer" => Ok(Role::Marketer),
            "agent" => Ok(Role::Agent),
            "associate" => store
                .map(|store| Role::Associate { store })
                .ok_or(RoleError::StoreRequired),
            "app" => {
                let raw = channel.ok_or(RoleError::ChannelRequired)?;
                match Channel::parse(raw) {
                    Some(
                        c @ (Channel::Web | Channel::MobileApp | Channel::Kiosk | Channel::Pos),
                    ) => Ok(Role::App { channel: c }),
                    _ => Err(RoleError::NotAnAppChannel(raw.to_owned())),
                }
            }
            other => Err(RoleError::Unknown(other.to_owned())),
        }
    }
}

/// The prefix every key starts with, so secret scanners can spot leaked keys.
pub const KEY_PREFIX: &str = "omk";

/// A freshly minted key: the token is shown once, only the hash is kept.
#[derive(Debug, Clone)]
pub struct MintedKey {
    pub id: ApiKeyId,
    /// The full bearer token, `omk_<id>_<secret>`.
    pub token: String,
    /// SHA-256 of the secret part.
    pub secret_hash: [u8; 32],
}

/// Mints a key from 32 random bytes supplied by the caller (the domain does no I/O).
pub fn mint_key(id: ApiKeyId, random: [u8; 32]) -> MintedKey {
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random);
    let ulid = id.to_string();
    let id_part = ulid.trim_start_matches("key_");
    let secret_hash = hash_secret(&secret);
    MintedKey {
        id,
        token: format!("{KEY_PREFIX}_{id_part}_{secret}"),
        secret_hash,
    }
}

/// Splits a presented token into the key id and its secret; `None` if it is not one of ours.
pub fn parse_token(token: &str) -> Option<(ApiKeyId, &str)> {
    let rest = token.strip_prefix(KEY_PREFIX)?.strip_prefix('_')?;
    let (id_part, secret) = rest.split_once('_').filter(|(_, s)| !s.is_empty())?;
    let id = format!("key_{id_part}").parse().ok()?;
    Some((id, secret))
}

/// SHA-256 of a secret.
pub fn hash_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Constant-time check of a presented secret against the stored hash.
pub fn verify_secret(secret: &str, stored_hash: &[u8]) -> bool {
    bool::from(hash_secret(secret).as_slice().ct_eq(stored_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_parses_back_and_verifies() {
        let key = mint_key(ApiKeyId::new(), [7; 32]);
        assert!(key.token.starts_with("omk_"));
        let (id, secret) = parse_token(&key.token).expect("ours");
        assert_eq!(id, key.id);
        assert!(verify_secret(secret, &key.secret_hash));
        assert!(!verify_secret("guess", &key.secret_hash));
    }

    #[test]
    fn foreign_or_truncated_tokens_are_not_parsed() {
        assert!(parse_token("Bearer xyz").is_none());
        assert!(parse_token("omk_").is_none());
        assert!(parse_token("omk_notanid_secret").is_none());
        let key = mint_key(ApiKeyId::new(), [1; 32]);
        let truncated = &key.token[..key.token.rfind('_').expect("sep") + 1];
        assert!(parse_token(truncated).is_none());
    }

    #[test]
    fn only_admins_manage_keys_and_everyone_reads_locations() {
        let store = LocationId::new();
        let roles = [
            Role::Admin,
            Role::Marketer,
            Role::Associate { store },
            Role::Agent,
            Role::App {
                channel: Channel::Web,
            },
        ];
        for r in roles {
            assert!(r.allows(Action::ReadLocations));
            assert_eq!(r.allows(Action::ManageKeys), r == Role::Admin);
            assert_eq!(r.allows(Action::ManageLocations), r == Role::Admin);
        }
        assert!(Role::Marketer.allows(Action::ReadEvents));
        assert!(!Role::Agent.allows(Action::ReadEvents));
    }

    #[test]
    fn roles_are_built_with_their_bindings() {
        assert_eq!(
            Role::from_parts("associate", None, None),
            Err(RoleError::StoreRequired)
        );
        assert_eq!(
            Role::from_parts("app", None, Some("pos")),
            Ok(Role::App {
                channel: Channel::Pos
            })
        );
        assert!(matches!(
            Role::from_parts("app", None, Some("chatbot")),
            Err(RoleError::NotAnAppChannel(_))
        ));
        assert!(matches!(
            Role::from_parts("root", None, None),
            Err(RoleError::Unknown(_))
        ));
    }
}
