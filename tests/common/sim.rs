//! `pasarela sim-smsc` as a child process of a test: started on a free
//! port of 127.0.0.1, its address read from the line it prints, killed when
//! the test ends (pass or fail). Its log is kept and shown when a test fails.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

pub const BINARY: &str = env!("CARGO_BIN_EXE_pasarela");

/// How long the simulator may take to start listening.
const START_LIMIT: Duration = Duration::from_secs(20);

pub struct Sim {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Sim {
    /// Start `pasarela sim-smsc --listen 127.0.0.1:0` with `args` added.
    pub fn start(args: &[&str]) -> Sim {
        Sim::start_on("127.0.0.1:0", args)
    }

    /// Start `pasarela sim-smsc --listen LISTEN` with `args` added (again
    /// on the port of one that was stopped, say).
    pub fn start_on(listen: &str, args: &[&str]) -> Sim {
        let mut child = Command::new(BINARY)
            .args(["sim-smsc", "--listen", listen])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pasarela sim-smsc");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let (addr_tx, addr_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("sim-smsc listening on ") {
                    let _ = addr_tx.send(addr.parse::<SocketAddr>());
                }
            }
        });
        let mut sim = Sim {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
        };
        sim.addr = addr_rx
            .recv_timeout(START_LIMIT)
            .expect("sim-smsc prints its address")
            .expect("a socket address");
        assert_ne!(sim.addr.port(), 0, "the real port, not 0");
        sim
    }
}

impl Sim {
    /// Its log so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The deliver_sm (receipts and MO) the switch answered ESME_ROK and
    /// those it answered with an error, summed over the totals each
    /// connection logs when it ends.
    pub fn deliveries_answered(&self) -> (usize, usize) {
        let count = |text: Option<&str>| {
            text.and_then(|text| text.split(',').next()?.trim().parse::<usize>().ok())
                .unwrap_or(0)
        };
        self.log_lines()
            .iter()
            .filter_map(|line| line.split("deliver_sm ok ").nth(1))
            .map(|rest| (count(Some(rest)), count(rest.split("refused ").nth(1))))
            .fold((0, 0), |(ok, refused), (a, b)| (ok + a, refused + b))
    }

    /// How many lines of its log so far contain `text`.
    pub fn log_count(&self, text: &str) -> usize {
        let lines = self.log.lock().unwrap();
        lines.iter().filter(|line| line.contains(text)).count()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- sim-smsc log ---");
            for line in self.log.lock().unwrap().iter() {
                eprintln!("{line}");
            }
        }
    }
}
