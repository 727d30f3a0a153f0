//! A key over its request rate gets 429 with `Retry-After` and a problem document; other
//! keys — of the same tenant or another — are served meanwhile.

mod common;

use common::{problem, spawn_app_with};
use omni_api::ApiConfig;

#[tokio::test]
async fn a_flooding_key_is_slowed_down_and_no_other_key_notices() {
    let app = spawn_app_with(ApiConfig {
        rate_limit_per_key: 5,
        ..ApiConfig::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(app.get("/v1/tenant", &app.a.admin).await);
    }
    let limited: Vec<_> = statuses.into_iter().filter(|r| r.status() == 429).collect();
    assert!(
        (5..=20).contains(&limited.len()),
        "a burst of 10 passes, the rest is refused: {} refused",
        limited.len()
    );
    let first = limited.into_iter().next().expect("a refusal");
    let retry: u64 = first.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=2).contains(&retry), "retry after {retry} s");
    assert_eq!(problem(first, 429).await["code"], "rate_limited");

    assert_eq!(app.get("/v1/tenant", &app.a.agent).await.status(), 200);
    assert_eq!(app.get("/v1/tenant", &app.b.admin).await.status(), 200);
    assert_eq!(
        app.get("/v1/tenant", "omk_01h00000000000000000000000_nope")
            .await
            .status(),
        401,
        "an unknown key is refused as such, not counted"
    );
}
