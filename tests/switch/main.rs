//! The switch end to end: `pasarela serve` as a child process on a
//! temporary data directory, driven over real TCP by SMPP clients (ours,
//! python smpplib), HTTP, a fake SMSC (`pasarela sim-smsc`, node-smpp) and
//! an emulated modem on a pseudo-terminal. One module per feature; the
//! shared fakes are in `tests/common/`.

#![cfg(feature = "runtime")]

#[path = "../common/callback_receiver.rs"]
mod callback_receiver;
#[path = "../common/mod.rs"]
mod common;
#[path = "../common/esme.rs"]
mod esme;
#[path = "../common/gateway_view.rs"]
mod gateway_view;
#[path = "../common/http.rs"]
mod http;
#[path = "../common/kannel.rs"]
mod kannel;
#[path = "../common/listeners.rs"]
mod listeners;
#[path = "../common/mail_sink.rs"]
mod mail_sink;
#[path = "../common/modem_emulator.rs"]
mod modem_emulator;
#[path = "../common/node_smsc.rs"]
mod node_smsc;
#[path = "../common/raw.rs"]
mod raw;
/// Prometheus text, scraped (`tests/common/metrics.rs`); `metrics` is the
/// test module of `/metrics`.
#[path = "../common/metrics.rs"]
mod scrape;
#[path = "../common/sim.rs"]
mod sim;
#[path = "../common/tls.rs"]
mod tls;
#[path = "../common/ui.rs"]
mod ui;

mod admin_api;
mod admin_gateways;
mod admin_sessions;
mod bench_tool;
mod callback_targets;
mod callbacks;
mod campaigns;
mod cimd2;
mod cimd2_listener;
mod contacts;
mod content_rules;
mod conversations;
mod credential_rules;
mod csrf;
mod disk_full;
mod distribution;
mod dnd;
mod exposure;
mod hold;
mod http_api;
mod http_api_keys;
mod http_gateway;
mod http_list;
mod interop_smpplib;
mod kannel_cimd2;
mod kannel_emi;
mod kannel_sendsms;
mod listener_limits;
mod login_throttle;
mod long_mo;
mod mail;
mod mail_spanish;
mod message_index;
mod metrics;
mod mo_apps;
mod mo_routing;
mod modem;
mod one_link;
mod openapi;
mod opt_outs;
mod priority;
mod queues;
mod receipt_durability;
mod reports;
mod restart_under_load;
mod route_quality;
mod route_queue_limit;
mod sender_rules;
mod serve;
mod sim_smsc;
mod stop;
mod supervision;
mod tls_listeners;
mod ucp;
mod ucp_listener;
mod ui_admin_edits;
mod ui_browser;
mod ui_campaign_conditions;
mod ui_customer_files;
mod ui_inbound;
mod ui_inbox_more;
mod ui_route_mode;
mod upstream;
mod upstream_node;
mod upstream_status;
