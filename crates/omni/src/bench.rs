//! HTTP load harness: `omni bench <scenario>` drives a running server with N concurrent
//! closed-loop workers for a fixed time (or request budget) and reports throughput and
//! latency percentiles, as text or one JSON object, so the numbers in docs/BENCHMARKS.md can
//! be reproduced.
//!
//! Load tests must never leave the machine: only loopback URLs are accepted, proxies from the
//! environment are ignored and redirects are not followed.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::Url;

pub use crate::bench_report::Summary;
use crate::bench_report::Tally;
pub use crate::bench_scenario::Scenario;

/// `omni bench` flags.
#[derive(Clone, clap::Args)]
pub struct BenchArgs {
    /// What to request.
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// Base URL of the server; must be loopback (127.0.0.0/8, ::1 or localhost).
    #[arg(long, env = "OMNI_BENCH_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Bearer token for authenticated scenarios (`omni demo` prints one per role).
    #[arg(long, env = "OMNI_BENCH_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// Concurrent workers, each with one request in flight.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub concurrency: u32,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub duration: u64,
    /// Stop after this many requests even if time remains.
    #[arg(long, default_value_t = 2_000_000)]
    pub max_requests: u64,
    /// `checkout` only: carts opened before the clock starts, so the run times checkouts
    /// alone; the run ends early when they are used up.
    #[arg(long, default_value_t = 5_000)]
    pub carts: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

impl std::fmt::Debug for BenchArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BenchArgs")
            .field("scenario", &self.scenario)
            .field("url", &self.url)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("concurrency", &self.concurrency)
            .field("duration", &self.duration)
            .field("max_requests", &self.max_requests)
            .field("carts", &self.carts)
            .field("json", &self.json)
            .finish()
    }
}

/// Runs a scenario and prints its summary.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let summary = execute(&args).await?;
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        summary.print();
    }
    Ok(())
}

/// Refuses any URL whose host is not on this machine.
pub fn ensure_loopback(url: &Url) -> anyhow::Result<()> {
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https"),
        "bench URLs must be http or https, not `{}`",
        url.scheme()
    );
    let host = url.host_str().context("the bench URL has no host")?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    };
    anyhow::ensure!(
        loopback,
        "refusing to load-test `{host}`: omni bench only targets this machine (127.0.0.0/8, ::1 or localhost)"
    );
    Ok(())
}

/// One prepared request, shared by the workers.
struct Target {
    client: reqwest::Client,
    url: Url,
    auth: Option<String>,
    scenario: Scenario,
    /// Open carts waiting for their checkout: `(cart id, device id)`.
    carts: std::sync::Mutex<Vec<(serde_json::Value, String)>>,
    /// How many demo SKUs carts draw from (counted once: it builds the demo catalog).
    skus: u32,
}

impl Target {
    fn new(args: &BenchArgs) -> anyhow::Result<Self> {
        let base = Url::parse(&args.url).with_context(|| format!("`{}` is not a URL", args.url))?;
        ensure_loopback(&base)?;
        let url = base.join(args.scenario.path())?;
        let auth = match (args.scenario.needs_key(), &args.key) {
            (true, Some(key)) => Some(format!("Bearer {key}")),
            (true, None) => anyhow::bail!(
                "scenario `{}` needs an API key: pass --key or set OMNI_BENCH_KEY (omni demo prints some)",
                args.scenario.name()
            ),
            (false, _) => None,
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(args.concurrency as usize)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            client,
            url,
            auth,
            scenario: args.scenario,
            carts: std::sync::Mutex::new(Vec::new()),
            skus: crate::demo::small_variant_count().clamp(1, 400),
        })
    }

    /// One request; the body is read to the end so the connection is reused. Returns the
    /// status and how long the timed request took; `None` when a checkout run is out of carts.
    async fn send(&self) -> Result<Option<(reqwest::StatusCode, Duration)>, reqwest::Error> {
        if self.scenario == Scenario::Checkout {
            return self.checkout().await;
        }
        let mut request = match self.scenario.body() {
            Some(body) => self
                .client
                .post(self.url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body),
            None => {
                let mut url = self.url.clone();
                let params = self.scenario.params();
                if !params.is_empty() {
                    url.query_pairs_mut().extend_pairs(params);
                }
                self.client.get(url)
            }
        };
        if let Some(auth) = &self.auth {
            request = request.header(reqwest::header::AUTHORIZATION, auth);
        }
        let sent = Instant::now();
        let response = request.send().await?;
        let status = response.status();
        response.bytes().await?;
        Ok(Some((status, sent.elapsed())))
    }

    /// A POST with the bearer key; returns the response, its body not yet read.
    async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
        idempotency: Option<String>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut request = self
            .client
            .post(self.url.join(path).unwrap_or_else(|_| self.url.clone()))
            .json(&body);
        if let Some(auth) = &self.auth {
            request = request.header(reqwest::header::AUTHORIZATION, auth);
        }
        if let Some(key) = idempotency {
            request = request.header("idempotency-key", key);
        }
        request.send().await
    }

    /// Opens a fresh 2-line device cart of random demo SKUs (before the clock starts).
    async fn open_cart(&self) -> Result<(), reqwest::Error> {
        let lines: Vec<_> = (0..2)
            .map(|_| {
                let sku = crate::demo::sku_code(rand::random_range(1..=self.skus));
                serde_json::json!({"sku": sku, "quantity": rand::random_range(1..=2)})
            })
            .collect();
        let device = format!("bench-{:016x}", rand::random::<u64>());
        let response = self
            .post(
                "/v1/carts",
                serde_json::json!({"device_id": device, "lines": lines}),
                None,
            )
            .await?;
        let status = response.status();
        let cart: serde_json::Value = response.json().await.unwrap_or_default();
        if status.is_success() {
            let mut carts = self.carts.lock().unwrap_or_else(|p| p.into_inner());
            carts.push((cart["id"].clone(), device));
        }
        Ok(())
    }

    /// Times the checkout of one of the opened carts.
    async fn checkout(&self) -> Result<Option<(reqwest::StatusCode, Duration)>, reqwest::Error> {
        let next = self.carts.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let Some((cart, device)) = next else {
            return Ok(None);
        };
        let body = serde_json::json!({"cart_id": cart,
            "fulfilment": {"method": "courier", "address": {"text": "Тверская ул., 7", "geo": {"lat": 55.7577, "lon": 37.6136}}},
            "payment": {"method": "card", "token": "tok_ok"}});
        let sent = Instant::now();
        let response = self.post("/v1/checkouts", body, Some(device)).await?;
        let status = response.status();
        // Read to the end (the connection is reused) but not parsed: the load generator
        // shares the cores with the server, and nothing in the order is needed.
        response.bytes().await?;
        Ok(Some((status, sent.elapsed())))
    }
}

/// Opens `count` carts with `concurrency` workers before a checkout run starts its clock.
async fn open_carts(target: &Arc<Target>, count: u64, concurrency: u32) -> anyhow::Result<()> {
    let opened = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (target, opened) = (target.clone(), opened.clone());
            tokio::spawn(async move {
                while opened.fetch_add(1, Ordering::Relaxed) < count {
                    target.open_cart().await?;
                }
                Ok::<_, reqwest::Error>(())
            })
        })
        .collect();
    for w in workers {
        w.await?.context("opening the carts to check out")?;
    }
    anyhow::ensure!(
        !target
            .carts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty(),
        "no cart could be opened: is the demo catalog loaded and the key a shopper's?"
    );
    Ok(())
}

/// Runs the workers and returns the summary (without printing).
pub async fn execute(args: &BenchArgs) -> anyhow::Result<Summary> {
    let target = Arc::new(Target::new(args)?);
    if args.scenario == Scenario::Checkout {
        open_carts(&target, args.carts.saturating_add(1), args.concurrency).await?;
    }
    preflight(&target).await?;
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration);
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            tokio::spawn(worker(
                target.clone(),
                issued.clone(),
                deadline,
                args.max_requests,
            ))
        })
        .collect();
    let mut tally = Tally::new()?;
    for w in workers {
        tally.merge(w.await??)?;
    }
    Ok(Summary::new(
        args.scenario,
        args.concurrency,
        started.elapsed(),
        tally,
    ))
}

/// One request before the clock starts: fails fast if the server is down or refuses the key.
async fn preflight(target: &Target) -> anyhow::Result<()> {
    let (status, _) = target
        .send()
        .await
        .with_context(|| format!("cannot reach {}", target.url))?
        .unwrap_or((reqwest::StatusCode::OK, Duration::ZERO));
    anyhow::ensure!(
        !matches!(status.as_u16(), 401 | 403),
        "the server refused the key ({status}); mint one with `omni demo` or `omni keys create`"
    );
    Ok(())
}

/// A closed loop: send, wait for the answer, repeat until time or the request budget runs out.
async fn worker(
    target: Arc<Target>,
    issued: Arc<AtomicU64>,
    deadline: Instant,
    max: u64,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::new()?;
    while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max {
        match target.send().await {
            Ok(None) => break,
            Ok(Some((status, took))) => {
                let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
                tally.latencies_us.saturating_record(us.max(1));
                if status.is_success() {
                    tally.ok += 1
                } else {
                    tally.non_2xx += 1
                }
            }
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn only_loopback_hosts_are_accepted() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://[::1]:8080/x",
            "http://LOCALHOST:1",
        ] {
            assert!(ensure_loopback(&url(ok)).is_ok(), "{ok}");
        }
        assert!(ensure_loopback(&url("http://[::ffff:127.0.0.1]:80")).is_ok());
        for bad in [
            "http://10.0.0.1",
            "http://192.168.1.10:8080",
            "http://0.0.0.0:8080",
            "http://example.com",
            "http://localhost.example.com",
            "http://[::2]",
            "ftp://127.0.0.1",
        ] {
            assert!(ensure_loopback(&url(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn scenario_names_match_the_command_line() {
        use clap::ValueEnum;
        for s in Scenario::value_variants() {
            let cli = s.to_possible_value().expect("visible");
            assert_eq!(cli.get_name(), s.name());
            assert_eq!(serde_json::to_value(s).expect("json"), s.name());
        }
    }

    #[test]
    fn search_requests_draw_a_search_from_the_mix_each_time() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let params = Scenario::Search.params();
            assert!(params.iter().any(|(k, _)| matches!(*k, "q" | "category")));
            assert!(
                params
                    .iter()
                    .all(|(k, v)| !v.is_empty() && ["q", "category", "attr"].contains(k))
            );
            seen.insert(params);
        }
        assert!(seen.len() > 10, "the mix varies: {} distinct", seen.len());
        assert!(Scenario::Tenant.params().is_empty());
    }

    fn args(scenario: Scenario, url: String, key: Option<&str>) -> BenchArgs {
        BenchArgs {
            scenario,
            url,
            key: key.map(str::to_owned),
            concurrency: 4,
            duration: 10,
            max_requests: 200,
            carts: 10,
            json: false,
        }
    }

    #[test]
    fn authenticated_scenarios_need_a_key_and_it_never_shows_in_debug() {
        let a = args(Scenario::Tenant, "http://127.0.0.1:1".into(), None);
        assert!(Target::new(&a).is_err());
        let a = args(
            Scenario::Tenant,
            "http://127.0.0.1:1".into(),
            Some("omk_secret"),
        );
        assert!(!format!("{a:?}").contains("omk_secret"));
    }

    /// A minimal keep-alive HTTP/1.1 server answering 200 to every request.
    async fn tiny_server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while let Ok(n @ 1..) = socket.read(&mut chunk).await {
                        buf.extend_from_slice(&chunk[..n]);
                        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            buf.drain(..end + 4);
                            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if socket.write_all(reply).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn a_run_stops_at_the_request_budget_and_counts_every_request() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = tiny_server().await;
        let summary = execute(&args(Scenario::Health, base, None))
            .await
            .expect("run");
        assert_eq!(summary.requests, 200);
        assert_eq!((summary.non_2xx, summary.errors), (0, 0));
        assert!(summary.latency_ms.max > 0.0 && summary.duration_s < 10.0);
    }

    #[tokio::test]
    async fn an_unreachable_server_fails_fast() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let err = execute(&args(Scenario::Health, format!("http://{addr}"), None))
            .await
            .expect_err("down");
        assert!(err.to_string().contains("cannot reach"), "{err}");
    }
}
