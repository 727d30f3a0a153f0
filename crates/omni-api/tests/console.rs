//! The console is served by the API itself: `/` leads to it, its files carry a strong ETag
//! (304 on a revalidation) and a strict content security policy, and `/v1/me` tells the
//! console which screens a key may see. Browser behaviour is tested in `e2e/` (Chromium).

mod common;

use common::spawn_app;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION};
use serde_json::Value;

#[tokio::test]
async fn the_root_leads_to_the_console_and_its_files_are_cached_by_etag() {
    let app = spawn_app().await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let root = plain.get(&app.base).send().await.expect("root");
    assert!(root.status().is_redirection());
    assert_eq!(root.headers()[LOCATION], "/console/");

    let page = plain
        .get(format!("{}/console/", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .expect("ct")
            .starts_with("text/html")
    );
    assert!(
        page.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .contains("default-src 'self'")
    );
    let html = page.text().await.expect("html");
    assert!(html.contains("/console/app.js"));
    // every file the page links is served, with its type; anything else is a 404 problem
    let linked: Vec<&str> = html
        .split('"')
        .filter(|s| s.starts_with("/console/") && s.len() > "/console/".len())
        .collect();
    assert!(
        linked.len() >= 9,
        "the page links its scripts and style: {linked:?}"
    );
    for path in linked {
        let r = plain
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("file");
        assert_eq!(r.status(), 200, "{path}");
        let kind = r.headers()[CONTENT_TYPE].to_str().expect("type").to_owned();
        assert!(kind.starts_with("text/"), "{path}: {kind}");
    }
    let missing = plain
        .get(format!("{}/console/nope.js", app.base))
        .send()
        .await
        .expect("missing");
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()[CONTENT_TYPE], "application/problem+json");

    let script = plain
        .get(format!("{}/console/app.js", app.base))
        .send()
        .await
        .expect("script");
    let etag = script.headers()[ETAG].clone();
    assert!(script.text().await.expect("js").contains("/v1/me"));
    let again = plain
        .get(format!("{}/console/app.js", app.base))
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .expect("revalidate");
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn me_tells_each_key_its_role_and_the_store_or_channel_it_acts_for() {
    let app = spawn_app().await;
    let me = |key: String| {
        let app = &app;
        async move {
            let r = app.get("/v1/me", &key).await;
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.expect("json")
        }
    };
    let associate = me(app.a.associate.clone()).await;
    assert_eq!(associate["role"], "associate");
    assert_eq!(associate["store"], app.a.store.to_string());
    assert_eq!(associate["tenant_id"], app.a.tenant.id.to_string());
    assert_eq!(me(app.a.app.clone()).await["role"], "app");
    assert_eq!(
        me(app.b.admin.clone()).await["tenant_id"],
        app.b.tenant.id.to_string()
    );
    assert_eq!(app.get("/v1/me", "omk_nope").await.status(), 401);
}
