//! The web console, served by `omni serve` itself at `/console/`: a small single-page app
//! (plain HTML, CSS and a few scripts, embedded in the binary, no build step and no Node) that
//! talks to the same JSON API as every other client with the key its user signs in with.
//! The associate's handheld, the call center and the back office are screens of one app;
//! which ones show depends on the key's role (`GET /v1/me`).

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState};

/// One embedded file with its content type and strong ETag (the console's and the
/// storefront's files).
pub(crate) struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: String,
}

impl Asset {
    pub(crate) fn new(body: &'static str, content_type: &'static str) -> Asset {
        let digest = Sha256::digest(body.as_bytes());
        let etag = format!("\"{}\"", hex(&digest[..12]));
        Asset {
            body,
            content_type,
            etag,
        }
    }

    /// The file, or 304 when the browser already holds this version; never framed, no inline
    /// script or style (pages set styles by class and handlers by `addEventListener`).
    pub(crate) fn respond(&self, headers: &HeaderMap) -> Response {
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == self.etag));
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            ([(header::CONTENT_TYPE, self.content_type)], self.body).into_response()
        };
        let h = response.headers_mut();
        if let Ok(etag) = HeaderValue::from_str(&self.etag) {
            h.insert(header::ETAG, etag);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'",
            ),
        );
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        response
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

static INDEX: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../console/index.html"),
        "text/html; charset=utf-8",
    )
});

/// The console's scripts and stylesheet by the name the page asks for (`dom.js` is shared
/// with the storefront).
static FILES: LazyLock<Vec<(&'static str, Asset)>> = LazyLock::new(|| {
    let js = |body| Asset::new(body, "text/javascript; charset=utf-8");
    vec![
        ("dom.js", js(include_str!("../console/dom.js"))),
        ("app.js", js(include_str!("../console/app.js"))),
        ("orders.js", js(include_str!("../console/orders.js"))),
        ("inbox.js", js(include_str!("../console/inbox.js"))),
        (
            "dashboards.js",
            js(include_str!("../console/dashboards.js")),
        ),
        (
            "backoffice.js",
            js(include_str!("../console/backoffice.js")),
        ),
        ("associate.js", js(include_str!("../console/associate.js"))),
        ("ops.js", js(include_str!("../console/ops.js"))),
        (
            "app.css",
            Asset::new(
                include_str!("../console/app.css"),
                "text/css; charset=utf-8",
            ),
        ),
    ]
});

/// One of the console's files, or a 404 problem.
async fn file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match FILES.iter().find(|(n, _)| *n == name) {
        Some((_, asset)) => asset.respond(&headers),
        None => ApiError::NotFound.into_response(),
    }
}

/// `/` and `/console` lead to the console; its files are served from memory.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/") }))
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route(
            "/console/",
            get(|h: HeaderMap| async move { INDEX.respond(&h) }),
        )
        .route("/console/{file}", get(file))
}
