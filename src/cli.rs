//! The command line: `serve`, `check-config`, and the operator tools as they
//! land. Parsing only; each command hands over to the library part that does
//! the work.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::config::{Config, DEFAULT_CONFIG_PATH};

#[derive(Debug, Parser)]
#[command(
    name = "pasarela",
    version,
    about = "An SMS switch: SMPP and HTTP in, SMPP and GSM modems out"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a configuration file and report every problem with its line.
    CheckConfig {
        /// The file to check.
        #[arg(default_value = DEFAULT_CONFIG_PATH)]
        file: PathBuf,
    },
}

/// Runs a parsed command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::CheckConfig { file } => check_config(&file),
    }
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
