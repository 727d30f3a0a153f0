//! Per-key request rate limits on this node (GCRA through `governor`): a key may make
//! `rate` requests a second with bursts of twice that; over it the request gets 429 with
//! `Retry-After`. Limits are per node — with N nodes behind a balancer a key may make up to
//! N × rate — which is enough to stop a runaway client without a shared counter on every
//! request's path.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use omni_kernel::ApiKeyId;

/// The limiter shared by every request of this node.
pub struct KeyLimiter {
    limiter: Option<DefaultKeyedRateLimiter<ApiKeyId>>,
    clock: DefaultClock,
}

impl KeyLimiter {
    /// A limiter of `per_second` requests per key (0: no limit).
    pub fn new(per_second: u32) -> KeyLimiter {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        KeyLimiter {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// Admits one request of `key`, or says how long until it would be admitted.
    pub fn check(&self, key: ApiKeyId) -> Result<(), Duration> {
        match &self.limiter {
            None => Ok(()),
            Some(limiter) => limiter
                .check_key(&key)
                .map_err(|not_until| not_until.wait_time_from(self.clock.now())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits_and_other_keys_are_unaffected() {
        let limiter = KeyLimiter::new(5);
        let (noisy, quiet) = (ApiKeyId::new(), ApiKeyId::new());
        let admitted = (0..50).filter(|_| limiter.check(noisy).is_ok()).count();
        assert_eq!(admitted, 10, "a burst of twice the rate, then refusals");
        let wait = limiter.check(noisy).expect_err("over the limit");
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(200));
        assert!(
            limiter.check(quiet).is_ok(),
            "one key's flood never blocks another"
        );
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = KeyLimiter::new(0);
        let key = ApiKeyId::new();
        assert!((0..100_000).all(|_| limiter.check(key).is_ok()));
    }
}
