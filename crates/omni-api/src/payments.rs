//! The payment-provider port and the built-in test provider. Checkout authorises before it
//! writes anything and voids if its transaction fails; pickup and shipping capture; returns
//! refund. A provider sees a token and an amount, never a card number.
//!
//! Every authorisation carries a reference derived from the checkout's Idempotency-Key and
//! body, and providers de-duplicate on it (as real acquirers do), so a retried checkout can
//! never charge twice even before our own idempotency record is reached.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use omni_kernel::Currency;
use sha2::{Digest, Sha256};

/// What a provider answers, boxed so providers can be chosen at run time.
pub type PayFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PaymentError>> + Send + 'a>>;

/// Why a payment step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("declined: {0}")]
    Declined(String),
    #[error("the provider is unavailable")]
    Unavailable,
    #[error("unknown authorisation")]
    UnknownAuthorization,
    #[error("amount exceeds what is authorised or captured")]
    Amount,
}

/// An authorisation request.
#[derive(Debug, Clone)]
pub struct Authorize {
    /// De-duplication reference: the same reference always yields the same authorisation.
    pub reference: String,
    pub amount: i64,
    pub currency: Currency,
    pub token: String,
}

/// A pluggable payment provider (acquirer, wallet, the built-in test provider).
pub trait PaymentProvider: Send + Sync {
    /// Stored on the order so refunds go back the same way.
    fn name(&self) -> &'static str;
    /// Holds `amount` on the customer's means of payment; returns the authorisation id.
    fn authorize<'a>(&'a self, request: &'a Authorize) -> PayFuture<'a, String>;
    /// Takes `amount` of an authorisation (at shipping, pickup or the till).
    fn capture<'a>(&'a self, authorization: &'a str, amount: i64) -> PayFuture<'a, ()>;
    /// Releases what is still held and not captured (cancellation, failed checkout).
    fn void<'a>(&'a self, authorization: &'a str) -> PayFuture<'a, ()>;
    /// Gives back `amount` of what was captured (returns).
    fn refund<'a>(&'a self, authorization: &'a str, amount: i64) -> PayFuture<'a, ()>;
}

/// One authorisation in the test provider's books.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestAuthorization {
    pub amount: i64,
    pub captured: i64,
    pub refunded: i64,
    pub voided: bool,
}

/// An in-process provider for tests, demos and development: token `tok_decline` is declined,
/// `tok_unavailable` fails as an outage, any other token is approved. It keeps its books in
/// memory (one node), so tests can check that a failed checkout left nothing held.
#[derive(Debug, Default)]
pub struct TestProvider {
    books: Mutex<HashMap<String, TestAuthorization>>,
}

impl TestProvider {
    /// An authorisation's current state.
    pub fn authorization(&self, id: &str) -> Option<TestAuthorization> {
        self.books.lock().ok()?.get(id).cloned()
    }

    /// Money held and not voided, captured or refunded, over every authorisation: what a
    /// customer would see as "pending" on their card.
    pub fn held(&self) -> i64 {
        self.books.lock().map_or(0, |b| {
            b.values()
                .filter(|a| !a.voided)
                .map(|a| a.amount - a.captured)
                .sum()
        })
    }

    fn with<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut TestAuthorization) -> Result<T, PaymentError>,
    ) -> Result<T, PaymentError> {
        let mut books = self.books.lock().map_err(|_| PaymentError::Unavailable)?;
        let a = books
            .get_mut(id)
            .ok_or(PaymentError::UnknownAuthorization)?;
        f(a)
    }
}

fn authorization_id(reference: &str) -> String {
    let digest = Sha256::digest(reference.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("tpa_{hex}")
}

impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    fn authorize<'a>(&'a self, r: &'a Authorize) -> PayFuture<'a, String> {
        Box::pin(async move {
            match r.token.as_str() {
                "tok_decline" => return Err(PaymentError::Declined("insufficient funds".into())),
                "tok_unavailable" => return Err(PaymentError::Unavailable),
                _ => {}
            }
            let id = authorization_id(&r.reference);
            let mut books = self.books.lock().map_err(|_| PaymentError::Unavailable)?;
            books.entry(id.clone()).or_insert(TestAuthorization {
                amount: r.amount,
                ..TestAuthorization::default()
            });
            Ok(id)
        })
    }

    fn capture<'a>(&'a self, id: &'a str, amount: i64) -> PayFuture<'a, ()> {
        Box::pin(async move {
            self.with(id, |a| {
                if a.voided || a.captured + amount > a.amount {
                    return Err(PaymentError::Amount);
                }
                a.captured += amount;
                Ok(())
            })
        })
    }

    fn void<'a>(&'a self, id: &'a str) -> PayFuture<'a, ()> {
        Box::pin(async move {
            self.with(id, |a| {
                a.voided = true;
                Ok(())
            })
        })
    }

    fn refund<'a>(&'a self, id: &'a str, amount: i64) -> PayFuture<'a, ()> {
        Box::pin(async move {
            self.with(id, |a| {
                if a.refunded + amount > a.captured {
                    return Err(PaymentError::Amount);
                }
                a.refunded += amount;
                Ok(())
            })
        })
    }
}

impl From<PaymentError> for crate::ApiError {
    fn from(e: PaymentError) -> Self {
        match e {
            PaymentError::Declined(why) => crate::ApiError::PaymentDeclined(why),
            PaymentError::Unavailable => crate::ApiError::PaymentUnavailable,
            other => crate::ApiError::internal(other),
        }
    }
}
