//! The configuration file (SPEC §2): TOML in, a validated typed [`Config`] out.
//!
//! Loading never touches the data directory: a bad file is reported (file,
//! line, key, every issue at once) before anything else happens, and
//! `pasarela check-config FILE` runs exactly this code. Values keep the
//! names the spec fixes; keys beside them are ours and documented in the
//! configuration reference, docs/configuration.md.

mod error;
pub mod fields;
mod raw;
mod types;
mod validate;

use std::path::Path;

pub use error::{ConfigError, ConfigIssue, Location};
pub use types::*;

pub use crate::upstream::IdFormat;

/// Where the shipped configuration lives, used when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "config/pasarela.toml";

impl GatewayConfig {
    /// One gateway alone, written as the keys of a `[[gateways]]` table
    /// (no header), checked with the file's rules for one entry; each
    /// issue names its bare key (`port`). The admin API's gateways.
    pub fn parse(source: &str) -> Result<GatewayConfig, Vec<ConfigIssue>> {
        validate::parse_gateway(source)
    }
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        Config::parse(&source, path)
    }

    /// Validates configuration text; `file` is only used in error messages.
    pub fn parse(source: &str, file: &Path) -> Result<Config, ConfigError> {
        validate::parse(source).map_err(|issues| ConfigError::Invalid {
            file: file.to_path_buf(),
            issues,
        })
    }
}
