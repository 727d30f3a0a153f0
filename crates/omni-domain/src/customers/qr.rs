//! The rotating QR token the app shows at the till: the customer id and an expiry, signed with
//! HMAC-SHA256 under a per-tenant secret. The till verifies it without a lookup of the token;
//! a token is useless after it expires (minutes), so a photographed screen cannot be replayed.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use omni_kernel::{CustomerId, Timestamp};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a QR token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("not a QR token")]
    Malformed,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the token expired")]
    Expired,
}

const MAC_LEN: usize = 16;

fn mac(secret: &[u8], body: &[u8]) -> [u8; MAC_LEN] {
    let mut out = [0u8; MAC_LEN];
    // HMAC takes keys of any length, so this never fails; an all-zero tag would never verify.
    let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return out;
    };
    m.update(body);
    let full = m.finalize().into_bytes();
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// A token for `customer` valid until `expires_at`.
pub fn sign_qr_token(secret: &[u8], customer: CustomerId, expires_at: Timestamp) -> String {
    let mut body = Vec::with_capacity(24 + MAC_LEN);
    body.extend_from_slice(&customer.ulid().to_bytes());
    body.extend_from_slice(&expires_at.timestamp_millis().to_be_bytes());
    let tag = mac(secret, &body);
    body.extend_from_slice(&tag);
    format!(
        "cqr_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body)
    )
}

/// The customer a token names, if it is ours, intact and not expired at `now`.
pub fn verify_qr_token(secret: &[u8], token: &str, now: Timestamp) -> Result<CustomerId, QrError> {
    let raw = token
        .trim()
        .strip_prefix("cqr_")
        .ok_or(QrError::Malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| QrError::Malformed)?;
    if bytes.len() != 24 + MAC_LEN {
        return Err(QrError::Malformed);
    }
    let (body, tag) = bytes.split_at(24);
    if !bool::from(mac(secret, body).ct_eq(tag)) {
        return Err(QrError::BadSignature);
    }
    let mut id = [0u8; 16];
    id.copy_from_slice(&body[..16]);
    let mut exp = [0u8; 8];
    exp.copy_from_slice(&body[16..]);
    if i64::from_be_bytes(exp) < now.timestamp_millis() {
        return Err(QrError::Expired);
    }
    Ok(CustomerId::from_ulid(omni_kernel::id::Ulid::from_bytes(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_until_it_expires_and_only_under_its_secret() {
        let now = chrono::Utc::now();
        let id = CustomerId::new();
        let token = sign_qr_token(b"secret-a", id, now + chrono::Duration::minutes(5));
        assert_eq!(verify_qr_token(b"secret-a", &token, now), Ok(id));
        assert_eq!(
            verify_qr_token(b"secret-b", &token, now),
            Err(QrError::BadSignature)
        );
        assert_eq!(
            verify_qr_token(b"secret-a", &token, now + chrono::Duration::minutes(6)),
            Err(QrError::Expired)
        );
        assert_eq!(
            verify_qr_token(b"secret-a", "cqr_abc", now),
            Err(QrError::Malformed)
        );
        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(verify_qr_token(b"secret-a", &forged, now).is_err());
    }
}
