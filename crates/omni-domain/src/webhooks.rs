//! Webhook subscriptions: the Standard Webhooks signature, the retry schedule and the rule
//! that a subscription may not point into the platform's own network (SSRF).

use std::net::IpAddr;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Signs a delivery per Standard Webhooks: `v1,` + base64(HMAC-SHA256(`id.timestamp.body`)).
/// Receivers verify it with any Standard Webhooks library.
pub fn sign(secret: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    )
}

/// Verifies a signature header (which may hold several, space-separated, during a secret
/// rotation) and that the timestamp is within five minutes of `now`.
pub fn verify(
    secret: &[u8],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now: i64,
) -> bool {
    if (now - timestamp).abs() > 300 {
        return false;
    }
    let expected = sign(secret, msg_id, timestamp, body);
    header
        .split(' ')
        .any(|sig| subtle::ConstantTimeEq::ct_eq(sig.as_bytes(), expected.as_bytes()).into())
}

/// Seconds to wait before attempt `attempt` (1-based) after a failure: 5 s doubling up to
/// one hour, so a receiver that is down for a day still gets every event, in order.
pub fn backoff_seconds(attempt: u32) -> i64 {
    let exp = attempt.saturating_sub(1).min(10);
    (5i64 << exp).min(3600)
}

/// Why a webhook URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not a valid absolute URL")]
    Malformed,
    #[error("only http and https URLs are allowed")]
    Scheme,
    #[error("URL credentials are not allowed; sign-in data belongs in the signing secret")]
    Credentials,
    #[error("the URL points at a loopback, private or link-local address")]
    PrivateTarget,
}

/// Checks a subscription URL. Unless `allow_private` (a test or on-premise setting), targets
/// on loopback, private, link-local or unspecified addresses are refused (OWASP API7, SSRF).
pub fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, UrlError> {
    let url = url::Url::parse(raw).map_err(|_| UrlError::Malformed)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    let private = match url.host() {
        None => return Err(UrlError::Malformed),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost"
                || d.ends_with(".localhost")
                || d.ends_with(".internal")
                || d.ends_with(".local")
        }
        Some(url::Host::Ipv4(ip)) => is_private_ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_private_ip(IpAddr::V6(ip)),
    };
    if private && !allow_private {
        return Err(UrlError::PrivateTarget);
    }
    Ok(url)
}

/// Whether an address is one a webhook must not reach (also used on resolved addresses).
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]) // CGNAT
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private_ip(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_reference_vector() {
        // Reference vector from the Standard Webhooks specification's test suite.
        let secret = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .expect("b64");
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
            &format!("v1,bad {sig}"),
            1614265400
        ));
        assert!(!verify(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
            &sig,
            1614265330 + 301
        ));
        assert!(!verify(
            &secret,
            "msg_other",
            1614265330,
            body,
            &sig,
            1614265330
        ));
    }

    #[test]
    fn backoff_grows_and_caps_at_an_hour() {
        assert_eq!(backoff_seconds(1), 5);
        assert_eq!(backoff_seconds(2), 10);
        assert_eq!(backoff_seconds(5), 80);
        assert_eq!(backoff_seconds(50), 3600);
    }

    #[test]
    fn private_targets_are_refused_unless_allowed() {
        for bad in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "http://10.1.2.3/",
            "http://192.168.0.10/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
        ] {
            assert_eq!(check_url(bad, false), Err(UrlError::PrivateTarget), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(check_url("https://hooks.example.com/omni", false).is_ok());
        assert_eq!(check_url("ftp://example.com", false), Err(UrlError::Scheme));
        assert_eq!(
            check_url("https://u:p@example.com", false),
            Err(UrlError::Credentials)
        );
        assert_eq!(check_url("not a url", false), Err(UrlError::Malformed));
    }
}
