//! Idempotency keys: a retried creating request returns the first response instead of
//! creating twice. The request is fingerprinted (method, path, body) so a key reused
//! for a different request is refused rather than silently answered with the wrong thing.

use sha2::{Digest, Sha256};

/// Longest key accepted (Stripe allows 255).
pub const MAX_KEY_LEN: usize = 255;

/// A response remembered for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// What to do with a request that carries a key already seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// Same request: send the stored response again.
    Same(StoredResponse),
    /// The key was used for another request: refuse (422).
    DifferentRequest,
}

/// Fingerprint of a request: SHA-256 over method, path and body.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().into()
}

/// Decides the answer to a repeated key given what was stored with it.
pub fn decide(stored_fingerprint: &[u8], new_fingerprint: &[u8], stored: StoredResponse) -> Replay {
    if stored_fingerprint == new_fingerprint {
        Replay::Same(stored)
    } else {
        Replay::DifferentRequest
    }
}

/// Whether a client-supplied key is acceptable: 1–255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_request_replays_and_a_different_one_is_refused() {
        let a = fingerprint("POST", "/v1/locations", b"{\"a\":1}");
        let b = fingerprint("POST", "/v1/locations", b"{\"a\":2}");
        let stored = StoredResponse {
            status: 201,
            body: b"{}".to_vec(),
        };
        assert_eq!(decide(&a, &a, stored.clone()), Replay::Same(stored.clone()));
        assert_eq!(decide(&a, &b, stored), Replay::DifferentRequest);
        assert_ne!(
            fingerprint("POST", "/v1/a", b""),
            fingerprint("POST", "/v1/b", b"")
        );
    }

    #[test]
    fn keys_must_be_short_visible_ascii() {
        assert!(valid_key("order-2026-11-23-0001"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"x".repeat(256)));
    }
}
