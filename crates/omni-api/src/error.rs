//! The one place where errors become HTTP: RFC 9457 problem details
//! (`application/problem+json`) with a stable `code`, field-level `errors`, and the request id.
//! Internal causes are logged, never sent to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omni_domain::{FieldViolation, Violations};
use omni_store::StoreError;
use serde::Serialize;

use crate::request::current_request_id;

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request is invalid")]
    Validation(Vec<FieldViolation>),
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("missing or invalid API key")]
    Unauthenticated,
    #[error("this key's role may not do this")]
    Forbidden,
    #[error("no such resource")]
    NotFound,
    #[error("{0}")]
    Conflict(&'static str),
    #[error("the resource changed since you read it; fetch it again and retry with its ETag")]
    PreconditionFailed,
    #[error("this update needs an If-Match header with the resource's ETag")]
    PreconditionRequired,
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("too many requests for this key; retry after {} s", retry_after_secs(*.0))]
    RateLimited(std::time::Duration),
    #[error("{0}")]
    InvalidTransition(String),
    #[error("the payment was declined: {0}")]
    PaymentDeclined(String),
    #[error("the payment provider is unavailable; nothing was charged, retry later")]
    PaymentUnavailable,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field-level reasons for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldViolation>,
}

impl ApiError {
    /// One invalid field.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        let mut v = Violations::new();
        v.push(field, code, message);
        ApiError::from(v)
    }

    /// Wraps an unexpected failure.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(Box::new(e))
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Invalid request",
            ),
            BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code, "Bad request"),
            Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Unauthenticated",
            ),
            Forbidden => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
            ),
            NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found"),
            Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "etag_mismatch",
                "Precondition failed",
            ),
            PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "if_match_required",
                "Precondition required",
            ),
            IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
            ),
            PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            ),
            InvalidTransition(_) => (StatusCode::CONFLICT, "invalid_transition", "Conflict"),
            PaymentDeclined(_) => (
                StatusCode::PAYMENT_REQUIRED,
                "payment_declined",
                "Payment declined",
            ),
            PaymentUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "payment_unavailable",
                "Payment provider unavailable",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }
}

impl From<Violations> for ApiError {
    fn from(v: Violations) -> Self {
        ApiError::Validation(v.items().to_vec())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::VersionMismatch => ApiError::PreconditionFailed,
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title) = self.parts();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %cause, source = ?cause.source(), "request failed");
        }
        let detail = match &self {
            ApiError::Validation(errors) if !errors.is_empty() => {
                format!(
                    "{} field(s) are invalid: {}",
                    errors.len(),
                    errors[0].message
                )
            }
            other => other.to_string(),
        };
        let retry_after = match &self {
            ApiError::RateLimited(wait) => Some(retry_after_secs(*wait)),
            _ => None,
        };
        let errors = match self {
            ApiError::Validation(errors) => errors,
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: format!("https://omniretail.dev/problems/{code}"),
            title,
            status: status.as_u16(),
            detail,
            code,
            request_id: current_request_id(),
            errors,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Whole seconds to wait, at least one (`Retry-After` has no fractions).
fn retry_after_secs(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

/// Unknown routes answer with a problem document too.
pub async fn not_found_fallback() -> ApiError {
    ApiError::NotFound
}

/// A panic in a handler becomes a logged 500, never a dropped connection.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::Internal("handler panicked".into()).into_response()
}
