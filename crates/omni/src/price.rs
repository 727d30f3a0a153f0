//! `omni price`: the offline pricer. Verifies a signed rules snapshot (downloaded from
//! `GET /v1/pricing/snapshot`) and prices a cart file with the very engine the server runs,
//! so a till without a connection charges exactly what the server would.

use std::path::PathBuf;

use anyhow::Context as _;
use base64::Engine as _;
use clap::Args;
use omni_domain::offers::Cart;
use omni_domain::offers::snapshot::SignedSnapshot;

/// `omni price` flags.
#[derive(Debug, Clone, Args)]
pub struct PriceArgs {
    /// The signed snapshot (JSON as served by `/v1/pricing/snapshot`).
    #[arg(long)]
    pub snapshot: PathBuf,
    /// The cart (JSON, as sent to `/v1/pricing/quotes`).
    #[arg(long)]
    pub cart: PathBuf,
    /// The verification key (base64, from `/v1/pricing/snapshot-key`).
    #[arg(long, env = "OMNI_SNAPSHOT_KEY")]
    pub key: String,
}

/// Prints the quote as JSON; fails on a forged or altered snapshot or a bad cart.
pub fn run(args: PriceArgs) -> anyhow::Result<()> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(args.key.trim())
        .context("--key is not base64")?;
    let signed: SignedSnapshot = serde_json::from_slice(
        &std::fs::read(&args.snapshot)
            .with_context(|| format!("reading {}", args.snapshot.display()))?,
    )
    .context("the snapshot file is not a signed snapshot")?;
    let snapshot = signed.open(&key)?;
    let cart: Cart = serde_json::from_slice(
        &std::fs::read(&args.cart).with_context(|| format!("reading {}", args.cart.display()))?,
    )
    .context("the cart file is not a cart")?;
    let quote = snapshot.quote(&cart, chrono::Utc::now())?;
    println!("{}", serde_json::to_string_pretty(&quote)?);
    Ok(())
}
