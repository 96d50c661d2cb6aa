//! The node-smpp SMSC (scripts/interop/node-smsc/smsc.js) as a child
//! process of a test: started on 127.0.0.1 (a free port, or again on the
//! port of one that was killed), its address read from the line it prints,
//! SIGKILLed when the test ends. Its journal says what it accepted and
//! which receipts were acknowledged, also across restarts. A machine
//! without node or the npm package fails the test with what to install.

#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The server's folder, where `npm ci` puts node_modules.
const PACKAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/interop/node-smsc");

/// How long node may take to start listening.
const START_LIMIT: Duration = Duration::from_secs(20);

pub struct NodeSmsc {
    child: Child,
    pub addr: SocketAddr,
    pub journal: PathBuf,
    args: Vec<String>,
    /// stdout lines after the address: `bound ...`, `bind refused ...`.
    events: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

/// One submit_sm the SMSC accepted, as its journal has it.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub id: u64,
    pub destination: String,
    /// 1 for the first start on this journal, 2 after one restart, …
    pub run: u64,
}

/// What the journal holds: accepted submits in order, and the ids whose
/// receipt the ESME (pasarela) acknowledged.
#[derive(Debug, Default)]
pub struct Journal {
    pub accepted: Vec<Accepted>,
    pub receipted: HashSet<u64>,
}

impl NodeSmsc {
    /// Starts on a free port with a journal of its own in `dir`; `args`
    /// are smsc.js options (`--response-ids hex-upper`, ...).
    pub fn start(dir: &Path, name: &str, args: &[&str]) -> NodeSmsc {
        let journal = dir.join(format!("{name}.journal"));
        let args = args.iter().map(|arg| (*arg).to_owned()).collect();
        NodeSmsc::spawn(journal, 0, args)
    }

    /// SIGKILL, and wait for it to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again after [`NodeSmsc::kill`] on the same port and
    /// journal: an SMSC that crashed and came back.
    pub fn start_again(&mut self) {
        let again = NodeSmsc::spawn(self.journal.clone(), self.addr.port(), self.args.clone());
        *self = again;
    }

    fn spawn(journal: PathBuf, port: u16, args: Vec<String>) -> NodeSmsc {
        assert!(
            Path::new(PACKAGE).join("node_modules/smpp").is_dir(),
            "the npm package smpp is not installed: run `npm ci --prefix scripts/interop/node-smsc` \
             (scripts/test.sh does)"
        );
        let mut child = Command::new("node")
            .arg(Path::new(PACKAGE).join("smsc.js"))
            .args(["--port", &port.to_string()])
            .arg("--journal")
            .arg(&journal)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot run node ({error}): install nodejs >= 18 (scripts/test.sh does)")
            });
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr_pipe = child.stderr.take().expect("piped stderr");
        let stderr = Arc::new(Mutex::new(String::new()));
        let kept = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            kept.lock().unwrap().push_str(&text);
        });
        let events = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&events);
        let (addr_tx, addr_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match line.strip_prefix("listening on ") {
                    Some(addr) => {
                        let _ = addr_tx.send(addr.parse::<SocketAddr>());
                    }
                    None => lines.lock().unwrap().push(line),
                }
            }
        });
        let addr = match addr_rx.recv_timeout(START_LIMIT) {
            Ok(addr) => addr.expect("a socket address"),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "node-smsc did not start listening: {}",
                    stderr.lock().unwrap()
                );
            }
        };
        NodeSmsc {
            child,
            addr,
            journal,
            args,
            events,
            stderr,
        }
    }

    /// How many stdout events so far start with `prefix`.
    pub fn events(&self, prefix: &str) -> usize {
        let events = self.events.lock().unwrap();
        events
            .iter()
            .filter(|line| line.starts_with(prefix))
            .count()
    }

    /// Waits (at most `within`) until `count` events start with `prefix`.
    pub fn wait_for(&self, prefix: &str, count: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.events(prefix) < count {
            assert!(
                Instant::now() < deadline,
                "node-smsc: fewer than {count} `{prefix}` within {within:?}: {:?}",
                self.events.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The journal as it is on disk now (a torn last line is skipped, as
    /// the server itself does).
    pub fn journal(&self) -> Journal {
        let text = std::fs::read_to_string(&self.journal).unwrap_or_default();
        let mut journal = Journal::default();
        for line in text.lines() {
            let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if let Some(submit) = record.get("submit") {
                journal.accepted.push(Accepted {
                    id: submit["id"].as_u64().expect("a numeric id"),
                    destination: submit["destination"].as_str().unwrap_or("").to_owned(),
                    run: submit["run"].as_u64().expect("a run"),
                });
            } else if let Some(id) = record.get("receipted").and_then(|id| id.as_u64()) {
                journal.receipted.insert(id);
            }
        }
        journal
    }
}

impl Journal {
    /// How many times each destination was accepted.
    pub fn count(&self, destination: &str) -> usize {
        self.accepted
            .iter()
            .filter(|accepted| accepted.destination == destination)
            .count()
    }

    /// Accepted submits whose receipt was not acknowledged yet.
    pub fn owed(&self) -> Vec<&Accepted> {
        self.accepted
            .iter()
            .filter(|accepted| !self.receipted.contains(&accepted.id))
            .collect()
    }
}

impl Drop for NodeSmsc {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("--- node-smsc {} ---", self.addr);
            for line in self.events.lock().unwrap().iter() {
                eprintln!("{line}");
            }
            eprintln!("{}", self.stderr.lock().unwrap());
        }
    }
}
