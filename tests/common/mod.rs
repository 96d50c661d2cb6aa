//! Shared by the end-to-end tests: a `pasarela serve` child process on a
//! temporary data directory and SMPP and HTTP ports the OS picks, killed
//! when the test ends (also on panic).

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

pub const BINARY: &str = env!("CARGO_BIN_EXE_pasarela");
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a signalled serve may take to exit: beyond the limits of its
/// stop's phases (docs/deploy.md#stopping: HTTP requests 30 s, customer
/// sessions 5 s, upstream connections 10 s, the last reports 5 s), so
/// only a stop that ignores its limits fails.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// The admin password the tests' configuration sets (the shipped one
/// leaves it out, to have one generated).
pub const ADMIN_PASSWORD: &str = "change-me";

/// The shipped file's `[callbacks]` table: callbacks may reach loopback,
/// where the tests' callback servers listen.
const SHIPPED_CALLBACKS: &str = "[callbacks]\nallow_private = [\"127.0.0.0/8\"]\n";

/// The shipped configuration, moved to `dir` and port 0, with
/// [`ADMIN_PASSWORD`]. TOML takes a
/// table once: when `extra` has its own `[callbacks]`, the shipped one's
/// `allow_private` moves into it, unless `extra` sets `allow_private`.
pub fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let shipped = std::fs::read_to_string("config/pasarela.toml").unwrap();
    let text = shipped
        .replace(
            "data_dir = \"data\"",
            &format!("data_dir = {:?}", dir.join("data").display().to_string()),
        )
        .replace("listen = \"127.0.0.1:2775\"", "listen = \"127.0.0.1:0\"")
        .replace("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:0\"")
        .replace(
            "# admin_password = \"...\"",
            &format!("admin_password = {ADMIN_PASSWORD:?}"),
        );
    let (text, extra) = if extra.lines().any(|line| line.trim() == "[callbacks]") {
        assert!(
            text.contains(SHIPPED_CALLBACKS),
            "the shipped [callbacks] moved"
        );
        let extra = if extra.contains("allow_private") {
            extra.to_string()
        } else {
            extra.replacen("[callbacks]\n", SHIPPED_CALLBACKS, 1)
        };
        (text.replace(SHIPPED_CALLBACKS, ""), extra)
    } else {
        (text, extra.to_string())
    };
    let path = dir.join("pasarela.toml");
    std::fs::write(&path, format!("{text}\n{extra}")).unwrap();
    path
}

/// `write_config` with the demo account's TPS limit lifted, for tests
/// whose rates are the gateways'.
pub fn write_config_without_account_tps(dir: &Path, extra: &str) -> PathBuf {
    let path = write_config(dir, extra);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("tps = 100", "tps = 0")).unwrap();
    path
}

/// The `[[gateways]]` entry of an `smpp` gateway at `upstream` with the
/// credentials `pasarela sim-smsc` accepts, and `extra` lines added.
pub fn smpp_gateway(name: &str, upstream: SocketAddr, extra: &str) -> String {
    format!(
        r#"
[[gateways]]
name = "{name}"
kind = "smpp"
host = "127.0.0.1"
port = {port}
system_id = "pasarela"
password = "secret"
{extra}
"#,
        port = upstream.port()
    )
}

/// A running switch.
pub struct Switch {
    pub child: Child,
    pub smpp: SocketAddr,
    pub http: SocketAddr,
    /// What serve prints on stdout (its logs go to stderr).
    pub stdout: Option<std::process::ChildStdout>,
    /// Every line serve has logged so far (its stderr).
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Switch {
    /// Starts `serve` and waits for its SMPP listener.
    pub fn start(config: &Path, env: &[(&str, &str)]) -> Switch {
        Switch::spawn(Switch::command(config, env))
    }

    /// The command [`Switch::start`] runs, for a test to adjust first.
    pub fn command(config: &Path, env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(BINARY);
        command
            .args(["serve", "--config"])
            .arg(config)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `command` (a [`Switch::command`]) and waits for its listeners.
    pub fn spawn(mut command: Command) -> Switch {
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line.clone());
                for listener in ["SMPP", "HTTP"] {
                    let marker = format!("{listener} listening, address: ");
                    if let Some(rest) = line.split(&marker).nth(1) {
                        let address = rest.split(',').next().unwrap_or(rest).trim().to_owned();
                        let _ = tx.send((listener, address));
                    }
                }
            }
        });
        let mut smpp = None;
        let mut http = None;
        while smpp.is_none() || http.is_none() {
            let (listener, address) = rx
                .recv_timeout(START_TIMEOUT)
                .expect("serve reports its SMPP and HTTP addresses");
            let address: SocketAddr = address.parse().unwrap();
            match listener {
                "SMPP" => smpp = Some(address),
                _ => http = Some(address),
            }
        }
        Switch {
            stdout: child.stdout.take(),
            log,
            child,
            smpp: smpp.unwrap(),
            http: http.unwrap(),
        }
    }

    /// The address of the listener serve logs as `NAME listening` (`SMPP
    /// over TLS`, `HTTPS`), waiting for it (bounded).
    pub fn listener(&self, name: &str) -> SocketAddr {
        let marker = format!("{name} listening, address: ");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let found = self.log.lock().unwrap().iter().find_map(|line| {
                let rest = line.split(&marker).nth(1)?;
                rest.split(',').next()?.trim().parse().ok()
            });
            if let Some(address) = found {
                return address;
            }
            assert!(Instant::now() < deadline, "serve never logged {marker:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal` and waits (bounded) for the process to exit.
    pub fn signal_and_wait(&mut self, signal: libc::c_int) -> std::process::ExitStatus {
        self.signal(signal);
        self.wait()
    }

    /// Sends `signal` and returns at once.
    pub fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) with a pid this test spawned and still owns.
        #[allow(unsafe_code)]
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0);
    }

    /// Waits (bounded) for serve to end after a signal.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "serve did not stop after the signal; its log:\n{}",
                self.logged()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every line logged so far, joined.
    pub fn logged(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.kill();
    }
}
