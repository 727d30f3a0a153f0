//! `omni`: the one binary of the platform — serve, demo, migrate, keys, bench, export.

mod bench;
mod bench_report;
mod bench_scenario;
mod catalog_cli;
mod cli;
mod demo;
mod export;
mod keys;
mod price;
mod serve;
mod stock;
mod tenants;

use clap::Parser;

/// mimalloc instead of the system allocator: a request allocates many small short-lived
/// values (rows, JSON), and glibc's malloc was a sixth of the server's CPU under load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = cli::Cli::parse();
    cli::init_tracing(&cli);
    match cli.command {
        cli::Command::Serve(args) => serve::run(args).await,
        cli::Command::Migrate(args) => {
            let store = args.connect().await?;
            store.migrate().await?;
            println!("migrations applied ({:?})", store.backend());
            Ok(())
        }
        cli::Command::Demo(args) => {
            let store = args.db.connect().await?;
            store.migrate().await?;
            let only: Option<Vec<&str>> = args
                .only
                .as_ref()
                .map(|steps| steps.iter().map(String::as_str).collect());
            let report = demo::load_steps(&store, args.scale, true, only.as_deref()).await?;
            report.print(None);
            Ok(())
        }
        cli::Command::Keys(cmd) => keys::run(cmd).await,
        cli::Command::Tenants(cmd) => tenants::run(cmd).await,
        cli::Command::Bench(args) => bench::run(args).await,
        cli::Command::Catalog(cmd) => catalog_cli::run(cmd).await,
        cli::Command::Stock(cmd) => stock::run(cmd).await,
        cli::Command::Price(args) => price::run(args),
        cli::Command::Export(args) => export::run(args).await,
    }
}
