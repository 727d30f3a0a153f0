//! Request extractors that turn malformed input into problem+json with field-level reasons:
//! JSON bodies (syntax, wrong types, unknown fields, size), path ids, `If-Match`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::{ApiError, AppState};

/// A JSON body parsed into `T`, with the raw bytes kept for idempotency fingerprints.
pub struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || mime.to_ascii_lowercase().ends_with("+json")
        })
}

/// Parses JSON, naming the offending field (`opening_hours.mon[0].open`) on failure.
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(raw);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest {
                code: "malformed_json",
                detail: format!("the body is not valid JSON: {inner}"),
            };
        }
        let field = if path == "." { "body".to_owned() } else { path };
        let message = strip_position(&inner.to_string());
        let code = if message.starts_with("unknown field") {
            "unknown_field"
        } else if message.starts_with("missing field") {
            "required"
        } else {
            "invalid"
        };
        ApiError::field(field, code, message)
    })?;
    de.end().map_err(|e| ApiError::BadRequest {
        code: "malformed_json",
        detail: format!("trailing data after JSON: {e}"),
    })?;
    Ok(value)
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let limit = state.config.max_body_bytes;
        let raw = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(limit)
            } else {
                ApiError::BadRequest {
                    code: "unreadable_body",
                    detail: rejection.body_text(),
                }
            }
        })?;
        let value = parse_json(&raw)?;
        Ok(JsonBody { value, raw })
    }
}

/// A path segment parsed as a typed id; a malformed id is a 404 (it cannot exist).
pub struct PathId<T>(pub T);

impl<S: Send + Sync, T: std::str::FromStr + Send> FromRequestParts<S> for PathId<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::NotFound)?;
        raw.parse().map(PathId).map_err(|_| ApiError::NotFound)
    }
}

/// The version named by `If-Match` (`"3"` or `W/"3"`); required on updates.
pub struct IfMatch(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts
            .headers
            .get(header::IF_MATCH)
            .ok_or(ApiError::PreconditionRequired)?;
        let text = raw.to_str().map_err(|_| ApiError::PreconditionFailed)?;
        let text = text.trim().trim_start_matches("W/").trim_matches('"');
        text.parse()
            .map(IfMatch)
            .map_err(|_| ApiError::PreconditionFailed)
    }
}

/// The ETag for a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}
