//! The demo storefront, served by `omni serve` itself at `/shop/`: the shopper's own website
//! (one HTML page, one script and one stylesheet embedded in the binary, no build step), which
//! talks to the public JSON API with a web app key like any other channel app would. It shows
//! what the API offers a shopper: search, availability near a point, a cart shared across
//! devices, personal offers and points, delivery options and checkout.
//!
//! The key: open `/shop/#key=omk_…` once (the page keeps it in this browser's localStorage
//! and drops it from the address bar), or paste it on the setup screen.

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::AppState;

/// One embedded file with its content type and strong ETag (as the console's files).
pub(crate) struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: String,
}

impl Asset {
    pub(crate) fn new(body: &'static str, content_type: &'static str) -> Asset {
        let digest = Sha256::digest(body.as_bytes());
        let etag = format!(
            "\"{}\"",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Asset {
            body,
            content_type,
            etag,
        }
    }

    /// The file, or 304 when the browser already holds this version; never framed, no inline
    /// script or style (the page sets styles by class and handlers by `addEventListener`).
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

static INDEX: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../shop/index.html"),
        "text/html; charset=utf-8",
    )
});
static SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../shop/shop.js"),
        "text/javascript; charset=utf-8",
    )
});
static STYLE: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(include_str!("../shop/shop.css"), "text/css; charset=utf-8"));

/// `/shop` leads to the storefront; its files are served from memory.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/shop", get(|| async { Redirect::to("/shop/") }))
        .route(
            "/shop/",
            get(|h: HeaderMap| async move { INDEX.respond(&h) }),
        )
        .route(
            "/shop/shop.js",
            get(|h: HeaderMap| async move { SCRIPT.respond(&h) }),
        )
        .route(
            "/shop/shop.css",
            get(|h: HeaderMap| async move { STYLE.respond(&h) }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_a_strict_policy_and_revalidates_by_etag() {
        let page = INDEX.respond(&HeaderMap::new());
        assert_eq!(page.status(), StatusCode::OK);
        let h = page.headers();
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .expect("ascii")
                .starts_with("text/html")
        );
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii");
        assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"));
        assert!(INDEX.body.contains("/shop/shop.js") && INDEX.body.contains("/shop/shop.css"));
        assert!(!INDEX.body.contains("style=") && !INDEX.body.contains("<script>"));

        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, h[header::ETAG].clone());
        assert_eq!(
            SCRIPT.respond(&again).status(),
            StatusCode::OK,
            "another file's tag"
        );
        assert_eq!(INDEX.respond(&again).status(), StatusCode::NOT_MODIFIED);
    }
}
