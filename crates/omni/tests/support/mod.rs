//! Runs real `omni` processes for black-box tests: start, read the printed URL and keys,
//! kill with SIGKILL, restart on the same database.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `omni serve` process.
pub struct Node {
    pub child: Child,
    pub url: String,
    /// Keys printed by `--demo`, by role label.
    pub keys: HashMap<String, String>,
}

/// Starts `omni serve --demo` on a random port against `database_url`.
pub fn start(database_url: &str, extra: &[&str]) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_omni"))
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start omni");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut keys = HashMap::new();
    let mut url = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("listening on ") {
            url = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
        if let Some(token) = trimmed
            .split_whitespace()
            .last()
            .filter(|t| t.starts_with("omk_"))
        {
            let label = trimmed[..trimmed.len() - token.len()].trim().to_owned();
            keys.insert(label, token.to_owned());
        }
    }
    let url = url.expect("the server printed its URL");
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Node { child, url, keys }
}

impl Node {
    /// The demo admin key.
    pub fn admin(&self) -> String {
        self.keys.get("admin").cloned().expect("admin key printed")
    }

    /// SIGKILL: no shutdown hooks, no flushing — a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh database URL for a process test, and its guard.
pub async fn database() -> (omni_store::testing::TestDb, String) {
    eprintln!("{}", omni_store::testing::backend_banner());
    let db = omni_store::testing::TestDb::new().await.expect("database");
    let url = db.url.clone();
    (db, url)
}

/// An HTTP client for plain-http loopback tests.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// The local NATS server the scale-out tests publish to.
pub const NATS_URL: &str = "nats://127.0.0.1:4222";

/// Whether a NATS server answers on 127.0.0.1:4222.
pub async fn nats_available() -> bool {
    let connect = tokio::net::TcpStream::connect("127.0.0.1:4222");
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(1), connect).await,
        Ok(Ok(_))
    )
}
