//! Structured logging with slog: human-readable lines on a terminal by
//! default, one JSON object per line when configured.
//!
//! Records written through the `log` crate (actix, actix-web, sled and other
//! dependencies) are bridged into the same drain through slog-scope and
//! slog-stdlog. The bridge only goes one way, `log` → slog; no slog drain
//! writes back into `log`, so a record can never loop.
//!
//! The drain is asynchronous with a bounded queue that drops (and counts)
//! records when full: logging must never block the message path.

use std::io::Write;

use slog::{Drain, Level, LevelFilter, Logger, o};

use crate::config::{LogConfig, LogFormat, LogLevel};

/// Records the asynchronous drain can hold before it starts dropping.
const QUEUE_LEN: usize = 16_384;

/// Keeps the global logger installed; dropping it flushes the queue.
pub struct LoggingGuard {
    /// The root logger, writing to the drain the configuration chose.
    pub logger: Logger,
    _scope: slog_scope::GlobalLoggerGuard,
}

/// Installs the process-wide logger (slog-scope plus the `log` bridge) that
/// writes to standard error.
pub fn init(config: &LogConfig) -> Result<LoggingGuard, log::SetLoggerError> {
    install(build(config, std::io::stderr()), config.level)
}

/// Makes `logger` the process-wide logger and routes `log` records into it.
/// Can succeed once per process (the `log` crate's rule).
pub fn install(logger: Logger, level: LogLevel) -> Result<LoggingGuard, log::SetLoggerError> {
    let scope = slog_scope::set_global_logger(logger.clone());
    slog_stdlog::init_with_level(log_level(level))?;
    Ok(LoggingGuard {
        logger,
        _scope: scope,
    })
}

/// A logger writing to `output` in the configured format and level.
pub fn build<W: Write + Send + 'static>(config: &LogConfig, output: W) -> Logger {
    let level = slog_level(config.level);
    match config.format {
        LogFormat::Term => {
            let decorator = slog_term::PlainDecorator::new(output);
            let drain = slog_term::FullFormat::new(decorator).build().fuse();
            finish(drain, level)
        }
        LogFormat::Json => {
            let drain = slog_json::Json::new(output)
                .add_default_keys()
                .set_newlines(true)
                .build()
                .fuse();
            finish(drain, level)
        }
    }
}

fn finish<D>(drain: D, level: Level) -> Logger
where
    D: Drain<Ok = (), Err = slog::Never> + Send + 'static,
{
    let drain = slog_async::Async::new(drain)
        .chan_size(QUEUE_LEN)
        .overflow_strategy(slog_async::OverflowStrategy::DropAndReport)
        .thread_name("log".to_string())
        .build()
        .fuse();
    let drain = LevelFilter::new(drain, level).fuse();
    Logger::root(drain, o!())
}

fn slog_level(level: LogLevel) -> Level {
    match level {
        LogLevel::Critical => Level::Critical,
        LogLevel::Error => Level::Error,
        LogLevel::Warning => Level::Warning,
        LogLevel::Info => Level::Info,
        LogLevel::Debug => Level::Debug,
        LogLevel::Trace => Level::Trace,
    }
}

fn log_level(level: LogLevel) -> log::Level {
    match level {
        LogLevel::Critical | LogLevel::Error => log::Level::Error,
        LogLevel::Warning => log::Level::Warn,
        LogLevel::Info => log::Level::Info,
        LogLevel::Debug => log::Level::Debug,
        LogLevel::Trace => log::Level::Trace,
    }
}
