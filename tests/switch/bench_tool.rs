//! `pasarela bench` as a process against a `pasarela sim-smsc` process:
//! every message acknowledged and receipted, refusals counted by status,
//! multipart messages over transmitter + receiver binds, and a non-zero exit
//! when it cannot bind. Against a switch whose route's queue fills,
//! `--resubmit-refused` sends the refused again until all are taken. Every
//! run is bounded in time.

use crate::common::{Switch, smpp_gateway, write_config_without_account_tps};
use crate::{gateway_view, sim};
use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sim::{BINARY, Sim};

/// A bench run in a debug build takes well under this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Run `pasarela bench` with `args` to the end; killed if it overruns.
fn bench(args: &[&str]) -> Output {
    let mut child = Command::new(BINARY)
        .arg("bench")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pasarela bench");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bench did not finish within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// The JSON line of a successful run.
fn report(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{:?}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.lines().last().expect("a JSON line");
    serde_json::from_str(last).expect("the last line is JSON")
}

#[test]
fn every_message_is_acknowledged_and_receipted() {
    let sim = Sim::start(&["--dlr-delay-ms", "20"]);
    let addr = sim.addr.to_string();
    let output = bench(&[
        "--connect",
        &addr,
        "--messages",
        "2000",
        "--sessions",
        "2",
        "--window",
        "64",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "--json prints only JSON: {stdout}"
    );
    let report = report(&output);
    assert_eq!(report["messages"], 2000);
    assert_eq!(report["sessions"], 2);
    assert_eq!(report["window"], 64);
    assert_eq!(report["submitted_ok"], 2000);
    assert_eq!(report["submit_errors"], serde_json::json!({}));
    assert_eq!(report["receipts"], serde_json::json!({"DELIVRD": 2000}));
    assert_eq!(report["receipts_missing"], 0);
    assert!(report["submit_per_sec"].as_f64().unwrap() > 0.0);
    assert!(report["e2e_per_sec"].as_f64().unwrap() > 0.0);
    let latency = &report["latency_us"];
    let (p50, p99, max) = (
        latency["p50"].as_u64().unwrap(),
        latency["p99"].as_u64().unwrap(),
        latency["max"].as_u64().unwrap(),
    );
    assert!(0 < p50 && p50 <= p99 && p99 <= max, "{latency}");
    assert!(report["elapsed_s"].as_f64().unwrap() > 0.0);
}

/// `--destinations` takes numbers as written, so a run can aim at the
/// simulator's fault rows: 9990 and 9995 are refused, 9991 is undelivered.
#[test]
fn refusals_and_failed_receipts_are_counted() {
    let sim = Sim::start(&["--dlr-delay-ms", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("destinations.txt");
    std::fs::write(
        &file,
        "# one of each\n34600000001\n346000009990\n\n346000009991\n346000009995\n",
    )
    .unwrap();
    let addr = sim.addr.to_string();
    let report = report(&bench(&[
        "--connect",
        &addr,
        "--messages",
        "400",
        "--sessions",
        "1",
        "--destinations",
        file.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(report["submitted_ok"], 200);
    assert_eq!(
        report["submit_errors"],
        serde_json::json!({"ESME_RSUBMITFAIL": 100, "ESME_RTHROTTLED": 100})
    );
    assert_eq!(
        report["receipts"],
        serde_json::json!({"DELIVRD": 100, "UNDELIV": 100})
    );
    assert_eq!(report["receipts_missing"], 0);
}

#[test]
fn long_messages_go_in_parts_over_transmitter_and_receiver_binds() {
    let sim = Sim::start(&["--dlr-delay-ms", "20", "--id-format", "hex"]);
    let addr = sim.addr.to_string();
    let output = bench(&[
        "--connect",
        &addr,
        "--messages",
        "300",
        "--sessions",
        "2",
        "--length",
        "200",
        "--bind",
        "transmitter",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("receipts"),
        "a readable report too: {stdout}"
    );
    let report = report(&output);
    assert_eq!(report["parts"], 600, "200 characters take two parts");
    assert_eq!(report["submitted_ok"], 600);
    assert_eq!(report["receipts"], serde_json::json!({"DELIVRD": 600}));
    assert_eq!(report["receipts_missing"], 0);
}

#[test]
fn a_refused_bind_exits_non_zero() {
    let sim = Sim::start(&["--password", "secret"]);
    let addr = sim.addr.to_string();
    let output = bench(&["--connect", &addr, "--messages", "10"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ESME_RINVPASWD"), "{stderr}");
    assert!(output.stdout.is_empty(), "no report without a run");
}

#[test]
fn nothing_listening_exits_non_zero() {
    // Bind a port, then free it: nothing listens there now.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let output = bench(&["--connect", &addr, "--messages", "10"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
}

/// A switch whose route to sim-smsc forwards 200 messages a second and
/// holds 10 in the gateway's queue and 20 in the route's: a faster ESME
/// is refused ESME_RMSGQFUL. Returned once the gateway is bound: until
/// then the route holds its messages elsewhere, and nothing fills.
fn slow_switch(dir: &std::path::Path, sim: &Sim) -> Switch {
    let gateway = smpp_gateway("slow", sim.addr, "tps = 200\nqueue_limit = 10");
    let extra = format!(
        "{gateway}\n[[routes]]\nprefix = \"44\"\naccounts = [\"*\"]\ngateways = [\"slow\"]\nprice = \"0.01\"\n\n[limits]\nroute_queue_max = 20\n"
    );
    let switch = Switch::start(&write_config_without_account_tps(dir, &extra), &[]);
    gateway_view::wait_for(switch.http, "slow", gateway_view::bound);
    switch
}

#[test]
fn refused_as_full_messages_are_resubmitted_until_all_are_taken() {
    let sim = Sim::start(&["--dlr-delay-ms", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let switch = slow_switch(dir.path(), &sim);
    let addr = switch.smpp.to_string();
    let run = |resubmit: bool| {
        let mut args = vec![
            "--connect",
            &addr,
            "--messages",
            "400",
            "--sessions",
            "1",
            "--window",
            "64",
            "--destination",
            "4477009",
            "--json",
        ];
        if resubmit {
            args.push("--resubmit-refused");
        }
        report(&bench(&args))
    };

    let plain = run(false);
    let refused = plain["submit_errors"]["ESME_RMSGQFUL"]
        .as_u64()
        .unwrap_or(0);
    assert!(refused > 0, "the route's queue never filled: {plain}");
    assert_eq!(
        plain["submitted_ok"].as_u64().unwrap() + refused,
        400,
        "{plain}"
    );
    assert_eq!(plain["resubmitted"], 0, "{plain}");

    let again = run(true);
    assert_eq!(again["submitted_ok"], 400, "{again}");
    assert_eq!(again["submit_errors"], serde_json::json!({}), "{again}");
    assert!(again["resubmitted"].as_u64().unwrap() > 0, "{again}");
    assert_eq!(
        again["receipts"],
        serde_json::json!({"DELIVRD": 400}),
        "{again}"
    );
}
