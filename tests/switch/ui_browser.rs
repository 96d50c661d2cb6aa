//! The web UI in a real browser: Debian's Chromium, driven headless by
//! playwright-core (scripts/ui/browser_test.mjs, installed by
//! scripts/test.sh), against a `pasarela serve` child with an ESME bound
//! over SMPP. The script logs in wrong then right as the admin, sees the
//! live dashboard, creates an account, tops it up and reads the ledger,
//! has forms without their CSRF token refused, opens the inbox, adds an MO
//! route and an autoreply (a bad one refused first), creates a poll and
//! reads its results, disconnects the ESME,
//! switches to Spanish and back, logs out; then the new customer logs in,
//! sends a message from the panel, sees it DELIVERED, exports its CSV,
//! reads today's report and is refused the operator's pages, sends a
//! file of numbers as a campaign, downloads its recipients, imports
//! contacts from a file and edits one's free fields; the admin sets a
//! route's mode from the route form (a bad one refused first), lists
//! every routed MO (made through `pasarela sim-smsc` first), filters it
//! by number and opens a conversation from it; the admin reads
//! route quality and sends probes that catch a fake receipt, and reads
//! the mail log; no request leaves for another host.
//! Here the test checks what the browser cannot: the ESME was unbound.
//! Screenshots land in target/ui-screenshots (docs/screenshots has the
//! ones the README shows).

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use crate::mo_routing::{demo, make_mo_from};
use crate::raw::Raw;
use crate::sim::Sim;
use crate::ui_inbox_more::{ANA, BEA, wait_received};
use pasarela::smpp::pdu;
use pasarela::smpp::{CommandId, CommandStatus};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ui/browser_test.mjs");
const SHOTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/ui-screenshots");

#[test]
fn an_admin_and_a_customer_use_the_web_ui_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    // One attempt per callback: the customer's unreachable callback URL
    // fills the dead letters the admin replays. A test number the built-in
    // simulator never delivers MO for: the probe the admin sends from the
    // route quality page is a fake receipt, alerted at once. A least_cost
    // route no message takes, whose standing the page shows.
    // Mail to an SMTP port nothing listens on: the customer's spending
    // below 24.00 queues a low-balance mail the mail log lists, failing.
    let config = r#"
[callbacks]
max_attempts = 1
[mail]
host = "127.0.0.1"
port = 9
security = "none"
from = "pasarela@example.com"
admin_to = "ops@example.com"
low_balance = "24.00"

[quality]
min_receipts = 1

[probes]
numbers = ["34600700001"]
account = "demo"
every_s = 3600
wait_s = 1

[[routes]]
prefix = "44"
gateways = ["sim"]
price = "0.05"
mode = "least_cost"
"#;
    // `pasarela sim-smsc` answers the MT to a number ending in 9999 with
    // an MO, which 12345's MO route takes to "shop": the MO the operator's
    // list of every routed MO shows.
    let upstream = Sim::start(&[]);
    let config = format!(
        r#"{config}
{gateway}
[[routes]]
prefix = "3460000"
gateways = ["mo-sim"]
price = "0.01"

[[accounts]]
system_id = "shop"
password = "shop1234"

[[mo_routes]]
number = "12345"
account = "shop"
"#,
        gateway = smpp_gateway("mo-sim", upstream.addr, "")
    );
    let switch = Switch::start(&write_config(dir.path(), &config), &[]);
    let mut maker = demo(&switch);
    // Each routed before the next: the order the list shows is known.
    for (phone, text, from_phone) in [
        (ANA, "first, from ana", 1),
        (ANA, "second, from ana", 2),
        (BEA, "third, from bea", 1),
    ] {
        make_mo_from(&mut maker, phone, "12345", text);
        wait_received(&switch, "shop", phone, from_phone);
    }
    // Gone before the dashboard counts the sessions bound.
    maker.request_header(CommandId::Unbind);
    assert_eq!(maker.expect().id(), CommandId::UnbindResp);
    assert!(maker.is_closed_within(Duration::from_secs(5)));
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    // The ESME answers the unbind the sessions page causes, as a client
    // does, so its session ends at once; meanwhile it answers the
    // switch's enquire_link, which comes when the script runs longer than
    // the interval (a loaded machine).
    let unbound = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        while let Some(request) = esme.recv(deadline.saturating_duration_since(Instant::now())) {
            let answer = match request.id() {
                CommandId::EnquireLink => CommandId::EnquireLinkResp,
                CommandId::Unbind => CommandId::UnbindResp,
                _ => return false,
            };
            let sequence = request.sequence_number();
            esme.send(&pdu::header_only(answer, CommandStatus::EsmeRok, sequence));
            if request.id() == CommandId::Unbind {
                return true;
            }
        }
        false
    });
    let run = Command::new("node")
        .arg(SCRIPT)
        .env("BASE", format!("http://{}", switch.http))
        .env("ADMIN_USER", "admin")
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ESME_ACCOUNT", "demo")
        .env("SHOTS", SHOTS)
        .output()
        .expect("node runs (scripts/test.sh installs nodejs, chromium and scripts/ui's packages)");
    assert!(
        run.status.success(),
        "the browser script failed (see {SHOTS}/failure.png):\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "ok");
    // Disconnected from the sessions page: the ESME was told to unbind.
    assert!(unbound.join().unwrap(), "the ESME got an unbind");
}
