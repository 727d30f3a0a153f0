//! Command-line interface. Every flag can also be set through an `OMNI_…` environment
//! variable, and the defaults need none: `omni serve` runs on SQLite in `./data`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use omni_store::Store;

/// The omniretail platform.
#[derive(Debug, Parser)]
#[command(
    name = "omni",
    version,
    about = "omniretail: one customer, one catalog, one cart, one order flow in every channel"
)]
pub struct Cli {
    /// Log format.
    #[arg(long, global = true, env = "OMNI_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API, the event relay and the background workers.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DbArgs),
    /// Load the deterministic demo chain.
    Demo(DemoArgs),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage tenants (retail chains).
    #[command(subcommand)]
    Tenants(TenantsCommand),
    /// Run an HTTP load scenario against a running server (loopback only).
    Bench(crate::bench::BenchArgs),
    /// Bulk import and export of products (CSV or JSON lines).
    #[command(subcommand)]
    Catalog(crate::catalog_cli::CatalogCommand),
    /// Stock feeds from ERP/WMS files.
    #[command(subcommand)]
    Stock(crate::stock::StockCommand),
    /// Price a cart offline from a signed rules snapshot (what a till does without a link).
    Price(crate::price::PriceArgs),
    /// Export events and core entities to the data lake (partitioned Parquet), incrementally.
    Export(crate::export::ExportArgs),
}

/// Where the data lives: SQLite in a folder by default, or a database URL.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Folder for the embedded SQLite database (used when no database URL is given).
    #[arg(long, env = "OMNI_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Database URL (`postgres://…` or `sqlite://…`); overrides --data-dir.
    #[arg(long, env = "OMNI_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// The effective database URL.
    pub fn url(&self) -> anyhow::Result<String> {
        match &self.database_url {
            Some(url) => Ok(url.clone()),
            None => Ok(Store::sqlite_url_for(&self.data_dir)?),
        }
    }

    /// Connects to the database.
    pub async fn connect(&self) -> anyhow::Result<Store> {
        Ok(Store::connect(&self.url()?).await?)
    }
}

/// `omni serve` flags.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "OMNI_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load the demo chain (if absent) and print ready-to-use API keys.
    #[arg(long, env = "OMNI_DEMO")]
    pub demo: bool,
    /// NATS server to publish the event feed to (JetStream).
    #[arg(long, env = "OMNI_NATS_URL")]
    pub nats_url: Option<String>,
    /// JetStream stream that holds the feed (created if missing).
    #[arg(long, env = "OMNI_NATS_STREAM", default_value = "OMNI")]
    pub nats_stream: String,
    /// Subject prefix: events go to `<prefix>.<tenant>.<type>`.
    #[arg(long, env = "OMNI_NATS_SUBJECT_PREFIX", default_value = "omni")]
    pub nats_subject_prefix: String,
    /// Allow webhook targets on loopback and private networks (tests, on-premise receivers).
    #[arg(long, env = "OMNI_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "OMNI_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// Requests per second each API key may make to this node (bursts of twice that; 0: off).
    #[arg(long, env = "OMNI_RATE_LIMIT_PER_KEY", default_value_t = omni_api::DEFAULT_RATE_LIMIT_PER_KEY)]
    pub rate_limit_per_key: u32,
    /// This node's name in leases and logs (defaults to host name + pid).
    #[arg(long, env = "OMNI_NODE_ID")]
    pub node_id: Option<String>,
}

/// `omni demo` flags.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// How big a chain to generate.
    #[arg(long, value_enum, default_value_t = crate::demo::Scale::Small)]
    pub scale: crate::demo::Scale,
    /// Generate only these steps (comma-separated: tenant,network,customers,catalog,inventory),
    /// e.g. to benchmark one context at chain scale without loading the others.
    #[arg(long, value_delimiter = ',')]
    pub only: Option<Vec<String>>,
}

/// `omni keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Mint a key; the token is printed once and only its hash is stored.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// admin, marketer, associate, agent or app.
        #[arg(long)]
        role: String,
        /// The store an associate works in (location code or id).
        #[arg(long)]
        store: Option<String>,
        /// The channel of an app key: web, mobile_app, kiosk or pos.
        #[arg(long)]
        channel: Option<String>,
        /// A label for people.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List a tenant's keys (never the secrets).
    List {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a key; takes effect on every node at once.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        /// The key id (`key_…`).
        id: String,
    },
}

/// `omni tenants …`
#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// Create a chain; then mint its first admin key with `omni keys create`.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// Short unique handle (lowercase letters, digits, dashes).
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// A country the chain trades in, as CODE,CURRENCY,TIME_ZONE[,LOCALE] — e.g.
        /// `RU,RUB,Europe/Moscow,ru`. Repeat for several countries.
        #[arg(long = "country", required = true)]
        countries: Vec<String>,
    },
    /// List tenants.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Sets up `tracing` from `RUST_LOG` (default `info`) in the chosen format.
pub fn init_tracing(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
