#!/usr/bin/env bash
# The one test command (README "The two commands"; .ci/run calls exactly
# this; docs/testing.md says what each step does).
# Installs what the tests need on a fresh machine, then runs every check:
# formatting, lints, the compiler-checked purity of the core, and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
cargo --version
rustup component list --installed 2>/dev/null | grep -qE '^(rustfmt|clippy)' || rustup component add rustfmt clippy

step "third-party SMPP peers for the interoperability tests"
python3 -c "import smpplib" 2>/dev/null || python3 -m pip install --quiet --user smpplib
# The mail tests' SMTP server (scripts/mail/smtp_sink.py).
python3 -c "import aiosmtpd" 2>/dev/null || python3 -m pip install --quiet --user aiosmtpd
# node-smpp as an upstream SMSC (tests/switch/upstream_node.rs), at the version in
# its package-lock.json; node itself (>= 18) from Debian when it is missing.
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
[ -d scripts/interop/node-smsc/node_modules ] || npm ci --prefix scripts/interop/node-smsc --no-audit --no-fund
# Kannel's bearerbox and smsbox as a UCP/EMI customer (tests/switch/kannel_emi.rs).
command -v bearerbox >/dev/null || { apt-get update -qq && apt-get install -y -qq kannel; }

step "a real browser for the web UI tests"
# Debian's Chromium, driven by playwright-core at the version in
# scripts/ui/package-lock.json (tests/switch/ui_browser.rs); no browser
# download: the script launches /usr/bin/chromium.
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
[ -d scripts/ui/node_modules ] || npm ci --prefix scripts/ui --no-audit --no-fund

step "format"
cargo fmt --all -- --check

step "core builds without the runtime (no actix, sled or serialport in smpp/sms/model/config)"
cargo check --no-default-features --lib

step "lints"
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --no-default-features -- -D warnings

step "no import cycles among the modules of src/ and actors/"
python3 scripts/module-cycles.py

step "tests"
cargo test --all-targets
cargo test --doc

step "Debian package (cargo deb: release build, contents, systemd-analyze verify)"
scripts/check-deb.sh

echo
echo "all checks passed"
