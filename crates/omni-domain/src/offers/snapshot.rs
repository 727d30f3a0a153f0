//! The signed rule snapshot a till or an app prices with when it is offline: the tenant's
//! rules, the catalog facts pricing needs, one customer's facts and the coupon codes. The
//! payload is signed with HMAC-SHA256 under a tenant key, so a device can trust a file it
//! received over any channel, and pricing it runs the very same [`OfferBook::quote`].

use std::collections::BTreeMap;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use omni_kernel::{CustomerId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::PromotionId;
use super::book::{OfferBook, Rules};
use super::coupon::resolve_coupons;
use super::pricing::{Cart, CustomerFacts, PricingError, Quote, SkuFacts};

/// What a device needs to price offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub tenant_id: TenantId,
    pub issued_at: Timestamp,
    pub rules: Rules,
    pub skus: BTreeMap<String, SkuFacts>,
    /// The customer at the till, if identified when the snapshot was taken.
    pub customer: Option<(CustomerId, CustomerFacts)>,
    /// Unredeemed coupon codes → their promotion.
    pub coupons: BTreeMap<String, PromotionId>,
}

/// A snapshot as shipped: the JSON payload (base64) and its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedSnapshot {
    pub payload: String,
    pub signature: String,
}

/// Why a snapshot file was refused.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("the snapshot signature does not match (wrong key or altered file)")]
    BadSignature,
    #[error("the snapshot is malformed: {0}")]
    Malformed(String),
}

fn mac(key: &[u8], payload: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    m.update(payload);
    m.finalize().into_bytes().to_vec()
}

impl Snapshot {
    /// Serialises and signs the snapshot.
    pub fn sign(&self, key: &[u8]) -> Result<SignedSnapshot, SnapshotError> {
        let json = serde_json::to_vec(self).map_err(|e| SnapshotError::Malformed(e.to_string()))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        Ok(SignedSnapshot {
            signature: b64.encode(mac(key, &json)),
            payload: b64.encode(json),
        })
    }

    /// Prices a cart against the snapshot exactly as the server would.
    pub fn quote(&self, cart: &Cart, now: Timestamp) -> Result<Quote, PricingError> {
        let book = OfferBook::new(self.rules.clone());
        let coupons = resolve_coupons(&cart.coupons, |c| self.coupons.get(c).copied());
        let customer = self
            .customer
            .as_ref()
            .filter(|(id, _)| cart.customer_id == Some(*id))
            .map(|(_, f)| f);
        book.quote(cart, |sku| self.skus.get(sku), customer, &coupons, now)
    }
}

impl SignedSnapshot {
    /// Checks the signature (in constant time) and opens the snapshot.
    pub fn open(&self, key: &[u8]) -> Result<Snapshot, SnapshotError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let json = b64
            .decode(&self.payload)
            .map_err(|e| SnapshotError::Malformed(e.to_string()))?;
        let sig = b64
            .decode(&self.signature)
            .map_err(|_| SnapshotError::BadSignature)?;
        let ok = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map(|mut m| {
                m.update(&json);
                m.verify_slice(&sig).is_ok()
            })
            .unwrap_or(false);
        if !ok {
            return Err(SnapshotError::BadSignature);
        }
        serde_json::from_slice(&json).map_err(|e| SnapshotError::Malformed(e.to_string()))
    }
}
