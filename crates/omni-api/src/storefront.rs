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
use axum::http::HeaderMap;
use axum::response::Redirect;
use axum::routing::get;

use crate::AppState;
use crate::console::Asset;

const PAGE: &str = include_str!("../shop/index.html");

static INDEX: LazyLock<Asset> = LazyLock::new(|| Asset::new(PAGE, "text/html; charset=utf-8"));
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
    use axum::http::{StatusCode, header};

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
        assert!(PAGE.contains("/shop/shop.js") && PAGE.contains("/shop/shop.css"));
        assert!(!PAGE.contains("style=") && !PAGE.contains("<script>"));

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
