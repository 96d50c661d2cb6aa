//! `[log]`: terminal or JSON lines, and the level.

use super::checker::Checker;
use crate::config::raw::RawLog;
use crate::config::{LogConfig, LogFormat, LogLevel};

impl Checker<'_> {
    /// `[log]`.
    pub fn log(&mut self, raw: RawLog) -> LogConfig {
        let format = match raw.format {
            None => LogFormat::Term,
            Some(format) => match format.get_ref().as_str() {
                "term" => LogFormat::Term,
                "json" => LogFormat::Json,
                other => {
                    let message =
                        format!("unknown log format {other:?}, expected \"term\" or \"json\"");
                    self.report(&format, "log.format", message);
                    LogFormat::Term
                }
            },
        };
        let level = match raw.level {
            None => LogLevel::Info,
            Some(level) => match level.get_ref().to_ascii_lowercase().as_str() {
                "critical" => LogLevel::Critical,
                "error" => LogLevel::Error,
                "warning" | "warn" => LogLevel::Warning,
                "info" => LogLevel::Info,
                "debug" => LogLevel::Debug,
                "trace" => LogLevel::Trace,
                other => {
                    let message = format!(
                        "unknown log level {other:?}, expected critical, error, warning, info, debug or trace"
                    );
                    self.report(&level, "log.level", message);
                    LogLevel::Info
                }
            },
        };
        LogConfig { format, level }
    }
}
