//! The customer profile (golden record), how it is created and changed, and the views cut from
//! it: the full profile for staff with a reason (audited), the reduced one for associates and
//! apps, and the one-screen summary `identify` answers with.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use omni_kernel::{CustomerId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::birthday::check_birth_date;
use super::merge::Provenance;
use super::{ContactChannel, Identifier, IdentifierInput, IdentifierKind, QuietHours};
use crate::Violations;
use crate::tenancy::Tenant;

/// Loyalty tier; set by the loyalty programme, read by everyone.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Tier {
    #[default]
    Basic,
    Silver,
    Gold,
    Platinum,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Tier; 4] = [Tier::Basic, Tier::Silver, Tier::Gold, Tier::Platinum];
    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Basic => "basic",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
        }
    }
    /// Parses the storage name.
    pub fn parse(s: &str) -> Option<Tier> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Lifecycle of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CustomerStatus {
    Active,
    /// Merged into another profile; its id resolves to the survivor.
    Merged,
    /// Personal data erased on request; the id stays for orders and the loyalty ledger.
    Erased,
}

impl CustomerStatus {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerStatus::Active => "active",
            CustomerStatus::Merged => "merged",
            CustomerStatus::Erased => "erased",
        }
    }
}

/// A customer's golden record (identifiers live beside it in the identity graph).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: CustomerId,
    pub tenant_id: TenantId,
    pub status: CustomerStatus,
    pub merged_into: Option<CustomerId>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub city: Option<String>,
    pub tier: Tier,
    /// Loyalty points balance (kept by the loyalty ledger; mirrored here for the summary).
    pub points_balance: i64,
    /// Spend over the last 90 days in minor units of the home currency (fed by orders).
    pub spent_90d: i64,
    pub preferences: BTreeMap<String, String>,
    /// Sizes by garment family: `{"shoes": "42", "tops": "M"}`.
    pub sizes: BTreeMap<String, String>,
    pub preferred_channel: Option<ContactChannel>,
    pub quiet_hours: Option<QuietHours>,
    /// IANA zone for quiet hours and for which local date is the customer's birthday.
    pub time_zone: String,
    /// Personal data: the birthday greeting and gift are sent on it (erased on request).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub birth_date: Option<NaiveDate>,
    /// Per attribute: whether its value was verified and when it was set (merge conflict rule).
    pub provenance: BTreeMap<String, Provenance>,
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// What a client sends to create (or identify-or-create) a customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDraft {
    pub identifiers: Vec<IdentifierInput>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub city: Option<String>,
    #[serde(default)]
    pub preferences: BTreeMap<String, String>,
    #[serde(default)]
    pub sizes: BTreeMap<String, String>,
    pub preferred_channel: Option<ContactChannel>,
    pub quiet_hours: Option<QuietHours>,
    pub time_zone: Option<String>,
    /// `YYYY-MM-DD`; not in the future, not before 1900.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub birth_date: Option<NaiveDate>,
}

/// A partial update of the profile's own attributes (identifiers and consents have their own routes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerPatch {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub city: Option<String>,
    pub preferences: Option<BTreeMap<String, String>>,
    pub sizes: Option<BTreeMap<String, String>>,
    pub preferred_channel: Option<ContactChannel>,
    pub quiet_hours: Option<QuietHours>,
    pub time_zone: Option<String>,
    /// `YYYY-MM-DD`; not in the future, not before 1900.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub birth_date: Option<NaiveDate>,
    /// The new values were confirmed by the customer (a verified value wins merges).
    #[serde(default)]
    pub verified: bool,
}

fn check_map(field: &str, map: &BTreeMap<String, String>, v: &mut Violations) {
    if map.len() > 50 {
        v.push(field, "too_long", "at most 50 entries");
    }
    for (k, val) in map {
        if k.is_empty() || k.len() > 40 || val.chars().count() > 200 {
            v.push(
                format!("{field}.{k}"),
                "invalid",
                "keys 1–40 bytes, values ≤ 200 characters",
            );
        }
    }
}

fn check_opt_text(field: &str, value: &Option<String>, max: usize, v: &mut Violations) {
    if let Some(s) = value {
        v.text(field, s, max);
    }
}

impl CustomerDraft {
    /// Validates and normalises the identifiers (each refused one names its index and why).
    pub fn identifiers(
        &self,
        region: omni_kernel::CountryCode,
        v: &mut Violations,
    ) -> Vec<(Identifier, bool)> {
        if self.identifiers.is_empty() {
            v.push("identifiers", "required", "give at least one identifier");
        }
        let mut out: Vec<(Identifier, bool)> = Vec::new();
        for (i, input) in self.identifiers.iter().enumerate() {
            match Identifier::parse(input.kind, &input.value, region) {
                Ok(id) if !out.iter().any(|(o, _)| *o == id) => out.push((id, input.verified)),
                Ok(_) => {}
                Err(e) => v.push(format!("identifiers[{i}].value"), "invalid", e.to_string()),
            }
        }
        if out.iter().all(|(id, _)| id.kind == IdentifierKind::Device) && !out.is_empty() {
            v.push(
                "identifiers",
                "invalid",
                "a customer needs an identifier other than a device",
            );
        }
        out
    }

    /// Builds the profile; the time zone defaults to the tenant's first country.
    pub fn into_customer(
        self,
        tenant: &Tenant,
        id: CustomerId,
        now: Timestamp,
        v: &mut Violations,
    ) -> Customer {
        check_opt_text("given_name", &self.given_name, 100, v);
        check_opt_text("family_name", &self.family_name, 100, v);
        check_opt_text("city", &self.city, 100, v);
        check_map("preferences", &self.preferences, v);
        check_map("sizes", &self.sizes, v);
        let time_zone = self
            .time_zone
            .or_else(|| tenant.countries.first().map(|c| c.time_zone.clone()))
            .unwrap_or_else(|| "UTC".into());
        let tz = time_zone.parse::<Tz>();
        if tz.is_err() {
            v.push("time_zone", "invalid", "not an IANA time zone");
        }
        if let Some(birth) = self.birth_date {
            check_birth_date("birth_date", birth, tz.unwrap_or(Tz::UTC), now, v);
        }
        let verified = self.identifiers.iter().any(|i| i.verified);
        let mut provenance = BTreeMap::new();
        for (name, set) in [
            ("given_name", self.given_name.is_some()),
            ("family_name", self.family_name.is_some()),
            ("city", self.city.is_some()),
            ("birth_date", self.birth_date.is_some()),
        ] {
            if set {
                provenance.insert(name.to_owned(), Provenance { verified, at: now });
            }
        }
        Customer {
            id,
            tenant_id: tenant.id,
            status: CustomerStatus::Active,
            merged_into: None,
            given_name: self.given_name,
            family_name: self.family_name,
            city: self.city,
            tier: Tier::Basic,
            points_balance: 0,
            spent_90d: 0,
            preferences: self.preferences,
            sizes: self.sizes,
            preferred_channel: self.preferred_channel,
            quiet_hours: self.quiet_hours,
            time_zone,
            birth_date: self.birth_date,
            provenance,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

impl Customer {
    /// Applies a patch, recording provenance for the changed attributes, and bumps the version.
    pub fn apply(mut self, patch: CustomerPatch, now: Timestamp) -> Result<Customer, Violations> {
        let mut v = Violations::new();
        let stamp = Provenance {
            verified: patch.verified,
            at: now,
        };
        for (name, value, slot) in [
            ("given_name", patch.given_name, &mut self.given_name),
            ("family_name", patch.family_name, &mut self.family_name),
            ("city", patch.city, &mut self.city),
        ] {
            if let Some(value) = value {
                v.text(name, &value, 100);
                *slot = Some(value);
                self.provenance.insert(name.to_owned(), stamp);
            }
        }
        if let Some(p) = patch.preferences {
            check_map("preferences", &p, &mut v);
            self.preferences = p;
        }
        if let Some(s) = patch.sizes {
            check_map("sizes", &s, &mut v);
            self.sizes = s;
        }
        if let Some(tz) = patch.time_zone {
            if tz.parse::<Tz>().is_err() {
                v.push("time_zone", "invalid", "not an IANA time zone");
            }
            self.time_zone = tz;
        }
        if let Some(birth) = patch.birth_date {
            check_birth_date("birth_date", birth, self.tz(), now, &mut v);
            self.birth_date = Some(birth);
            self.provenance.insert("birth_date".to_owned(), stamp);
        }
        self.preferred_channel = patch.preferred_channel.or(self.preferred_channel);
        self.quiet_hours = patch.quiet_hours.or(self.quiet_hours);
        self.version += 1;
        self.updated_at = now;
        v.finish(self)
    }

    /// The parsed time zone (validated on write; UTC only as a defensive fallback).
    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// Irreversibly removes personal data, keeping the id, tier and balances for accounting.
    pub fn erase(mut self, now: Timestamp) -> Customer {
        self.status = CustomerStatus::Erased;
        self.given_name = None;
        self.family_name = None;
        self.city = None;
        self.preferences.clear();
        self.sizes.clear();
        self.preferred_channel = None;
        self.quiet_hours = None;
        self.birth_date = None;
        self.provenance.clear();
        self.version += 1;
        self.updated_at = now;
        self
    }

    /// The name as a role may see it: full for agents and admins, given name and initial otherwise.
    pub fn display_name(&self, view: View) -> Option<String> {
        let given = self.given_name.clone();
        let family = self.family_name.as_deref();
        match (view, given, family) {
            (_, None, None) => None,
            (View::Full, g, f) => Some(
                [g.as_deref(), f]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            (View::Reduced, Some(g), Some(f)) => {
                Some(format!("{g} {}.", f.chars().next().unwrap_or(' ')))
            }
            (View::Reduced, g, _) => g,
        }
    }
}

/// How much personal data a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Everything (staff with a reason; audited).
    Full,
    /// Masked contacts, given name and initial.
    Reduced,
}

/// The one-screen answer to `identify`: what an associate or agent needs. Fields owned by
/// contexts that have not landed yet (orders, carts, conversations, offers) are empty lists
/// until they do; this call stays the single window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerSummary {
    pub customer_id: CustomerId,
    pub name: Option<String>,
    pub tier: Tier,
    pub points_balance: i64,
    pub preferences: BTreeMap<String, String>,
    pub sizes: BTreeMap<String, String>,
    /// Identifiers, masked: `+7916*****67`.
    pub identifiers: Vec<Identifier>,
    pub preferred_channel: Option<ContactChannel>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub last_purchases: Vec<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub open_orders: Vec<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub open_carts: Vec<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub open_conversations: Vec<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub personal_offers: Vec<serde_json::Value>,
}

impl CustomerSummary {
    /// Cuts the summary from a profile and its identifiers for a view.
    pub fn of(c: &Customer, identifiers: &[Identifier], view: View) -> CustomerSummary {
        CustomerSummary {
            customer_id: c.id,
            name: c.display_name(view),
            tier: c.tier,
            points_balance: c.points_balance,
            preferences: c.preferences.clone(),
            sizes: c.sizes.clone(),
            identifiers: identifiers
                .iter()
                .filter(|i| i.kind != IdentifierKind::Device)
                .map(|i| Identifier {
                    kind: i.kind,
                    value: i.masked(),
                })
                .collect(),
            preferred_channel: c.preferred_channel,
            last_purchases: Vec::new(),
            open_orders: Vec::new(),
            open_carts: Vec::new(),
            open_conversations: Vec::new(),
            personal_offers: Vec::new(),
        }
    }
}
