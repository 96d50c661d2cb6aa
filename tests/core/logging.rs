//! Logging: JSON lines carry the structured fields, the level filter holds,
//! and records from the `log` crate (what actix and sled use) arrive in the
//! same output exactly once.

use std::io::Write;
use std::sync::{Arc, Mutex};

use pasarela::config::{LogConfig, LogFormat, LogLevel};
use pasarela::logging;

/// A writer the test can read back after the logger is gone.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect()
    }
}

#[test]
fn json_lines_with_fields_level_filter_and_the_log_bridge() {
    let output = Captured::default();
    let config = LogConfig {
        format: LogFormat::Json,
        level: LogLevel::Info,
    };
    let logger = logging::build(&config, output.clone());
    let guard = logging::install(logger, config.level).expect("first install");
    slog::info!(guard.logger, "store opened"; "messages" => 42, "path" => "data");
    slog::debug!(guard.logger, "too detailed");
    log::warn!("from the log crate");
    log::debug!("filtered in the log crate");
    drop(guard);

    let lines = output.lines();
    let messages: Vec<&str> = lines
        .iter()
        .map(|line| line["msg"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["store opened", "from the log crate"],
        "{lines:?}"
    );
    assert_eq!(lines[0]["messages"], 42);
    assert_eq!(lines[0]["path"], "data");
    assert_eq!(lines[0]["level"], "INFO");
    assert_eq!(lines[1]["level"], "WARN");
    assert!(lines[0]["ts"].is_string());
}

#[test]
fn terminal_lines_escape_control_characters_in_messages_and_values() {
    let output = Captured::default();
    let config = LogConfig {
        format: LogFormat::Term,
        level: LogLevel::Info,
    };
    let logger = logging::build(&config, output.clone());
    slog::info!(logger, "bind refused\r\nINFO forged"; "system_id" => "evil\r\nINFO forged", "tab" => "a\tb\u{1b}[31m", "name" => "Añó");
    drop(logger);

    let text = String::from_utf8(output.0.lock().unwrap().clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "one record, one line: {text:?}");
    assert!(
        text.contains(r"bind refused\r\nINFO forged"),
        "the message escaped: {text:?}"
    );
    assert!(
        text.contains(r"system_id: evil\r\nINFO forged"),
        "the value escaped: {text:?}"
    );
    assert!(text.contains(r"tab: a\tb\u{1b}[31m"), "{text:?}");
    assert!(
        text.contains("name: Añó"),
        "other characters kept: {text:?}"
    );
    assert!(text.ends_with('\n'));
}
