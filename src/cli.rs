//! The command line: `serve`, `check-config`, and the operator tools
//! `sim-smsc` and `bench`. Parsing only; each command hands over to the
//! library part that does the work.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{Config, DEFAULT_CONFIG_PATH};
use crate::tools::{bench, sim_smsc};

/// The parsed command line.
#[derive(Debug, Parser)]
#[command(
    name = "pasarela",
    version,
    about = "An SMS switch: SMPP and HTTP in, SMPP and GSM modems out"
)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// One of pasarela's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the switch.
    Serve {
        /// The configuration file.
        #[arg(long, default_value = DEFAULT_CONFIG_PATH)]
        config: PathBuf,
    },
    /// Check a configuration file and report every problem with its line.
    CheckConfig {
        /// The file to check.
        #[arg(default_value = DEFAULT_CONFIG_PATH)]
        file: PathBuf,
    },
    /// Run a simulated upstream SMSC: accepts binds, answers submits by the
    /// destination's last digits, sends receipts and MO messages.
    SimSmsc(sim_smsc::SimSmscArgs),
    /// Load an SMPP server: N messages over S sessions with windows of W;
    /// reports msg/s, latency percentiles and receipts.
    Bench(bench::BenchArgs),
}

/// Runs a parsed command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config } => serve(&config),
        Command::CheckConfig { file } => check_config(&file),
        Command::SimSmsc(args) => Ok(sim_smsc::run(args)?),
        Command::Bench(args) => Ok(bench::run(args)?),
    }
}

/// Validates the configuration before anything else, so a bad file stops
/// the process without touching the data directory.
fn serve(file: &Path) -> anyhow::Result<()> {
    let config = Config::load(file)?;
    let logging = crate::logging::init(&config.log).context("cannot install the logger")?;
    slog::info!(logging.logger, "starting"; "config" => %file.display(), "version" => env!("CARGO_PKG_VERSION"));
    crate::actors::serve(config, &logging.logger)?;
    Ok(())
}

fn check_config(file: &Path) -> anyhow::Result<()> {
    let config = Config::load(file)?;
    println!(
        "{}: ok ({} accounts, {} routes, {} gateways)",
        file.display(),
        config.accounts.len(),
        config.routes.len(),
        config.gateways.len()
    );
    Ok(())
}
