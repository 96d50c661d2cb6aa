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
//!
//! Values come from the network (a system_id, a peer's header): on a
//! terminal line, control characters in a message or a value are written
//! escaped (`\r`, `\n`, `\t`, `\u{1b}`, ...), so no value can end a line
//! and forge another record, or drive the terminal. JSON escapes them by
//! itself.

use std::cell::RefCell;
use std::io::{self, Write};

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
            let decorator = Escaping::new(output);
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

/// A plain slog-term decorator that escapes control characters in the
/// message and the values (not in what the formatter writes around them,
/// such as the line's own newline).
struct Escaping<W: Write> {
    output: RefCell<W>,
}

impl<W: Write> Escaping<W> {
    fn new(output: W) -> Escaping<W> {
        Escaping {
            output: RefCell::new(output),
        }
    }
}

impl<W: Write> slog_term::Decorator for Escaping<W> {
    fn with_record<F>(
        &self,
        _record: &slog::Record,
        _values: &slog::OwnedKVList,
        f: F,
    ) -> io::Result<()>
    where
        F: FnOnce(&mut dyn slog_term::RecordDecorator) -> io::Result<()>,
    {
        let mut output = self.output.borrow_mut();
        let mut record = EscapingRecord {
            output: &mut *output,
            escaping: false,
        };
        f(&mut record)?;
        record.output.flush()
    }
}

/// One record being written: escaping while in the message or a value.
struct EscapingRecord<'a, W: Write> {
    output: &'a mut W,
    escaping: bool,
}

impl<W: Write> Write for EscapingRecord<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if !self.escaping {
            return self.output.write(bytes);
        }
        // Control characters are ASCII, and no byte of a multi-byte UTF-8
        // character is: escaping byte by byte keeps the rest intact.
        let mut plain = 0;
        for (at, &byte) in bytes.iter().enumerate() {
            if let Some(escaped) = escape(byte) {
                self.output.write_all(&bytes[plain..at])?;
                self.output.write_all(escaped.as_bytes())?;
                plain = at + 1;
            }
        }
        self.output.write_all(&bytes[plain..])?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.output.flush()
    }
}

impl<W: Write> slog_term::RecordDecorator for EscapingRecord<'_, W> {
    fn reset(&mut self) -> io::Result<()> {
        self.escaping = false;
        Ok(())
    }

    fn start_msg(&mut self) -> io::Result<()> {
        self.escaping = true;
        Ok(())
    }

    fn start_value(&mut self) -> io::Result<()> {
        self.escaping = true;
        Ok(())
    }
}

/// How a control character is written on a terminal line; `None` for any
/// other byte.
fn escape(byte: u8) -> Option<String> {
    match byte {
        b'\r' => Some("\\r".into()),
        b'\n' => Some("\\n".into()),
        b'\t' => Some("\\t".into()),
        0x00..=0x1f | 0x7f => Some(format!("\\u{{{byte:x}}}")),
        _ => None,
    }
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
