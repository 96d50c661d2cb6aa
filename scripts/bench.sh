#!/usr/bin/env bash
# Benchmarks (docs/benchmarks.md):
#   scripts/bench.sh [codec|store|reports|e2e|upstream|http|sendsms|dnd|checks|contacts|priority|campaign|vs-kannel|api-loop|relay|scaling|memory]...
# With no argument runs them all.
#
# codec, store: criterion benchmarks in benches/; criterion prints a median
# with its confidence interval per case, reports land in target/criterion/.
#
# reports (not run by default): criterion, benches/summaries.rs: the daily
# and monthly report summaries built from a million messages' tallies
# written to a real store and read back (the goal: under 50 ms each).
#
# e2e: the switch end to end. A release `pasarela serve` with the shipped
# config (built-in simulator gateway, demo account given ample credit and no
# TPS limit) on a fresh data directory, loaded by `pasarela bench` on the same
# machine; after each run it prints the server's RSS (now and peak). Tune with
#   E2E_MESSAGES (100000)  E2E_SESSIONS (4)  E2E_WINDOW (256)
#   E2E_RATE (unset: as fast as the windows allow)  E2E_RUNS (3)
#   E2E_DLR_DELAY_MS (200)  E2E_DURABILITY (power)
#   E2E_RESUBMIT (set: bench submits again what is refused as full or throttled)
#   E2E_RETENTION_DAYS (unset: the shipped store.retention_days)
#
# upstream: the same, but the route goes to a real SMPP upstream: `pasarela
# sim-smsc` in its own process, bound by an `smpp` gateway with
# UPSTREAM_SESSIONS (1) transceiver binds, each of window UPSTREAM_WINDOW
# (256). Three processes share the machine. UPSTREAM_MO_EVERY_MS (unset:
# none) has the SMSC send an MO to every bind that often meanwhile; each run
# then prints how many MO the switch stored (each answered once durable).
#
# http: `POST /api/v1/messages` under wrk (HTTP_CONNECTIONS, 64, for
# HTTP_SECONDS, 10, one thread, after a 3 s warm-up), each request one
# durably accepted message to a different number. Needs wrk (Debian:
# apt-get install wrk).
#
# sendsms: the same for Kannel's `GET /cgi-bin/sendsms` (credentials as
# username/password parameters), each request one durably accepted message.
# The machine is noisy: compare medians of several runs, not one.
#
# dnd (not run by default): the DND registry. DND_NUMBERS (10000000)
# numbers streamed as text/plain to POST /api/v1/dnd/import (curl uploads
# seq's output chunked, as it is made): the answer, the import rate and
# serve's RSS (now and peak) after it; then serve again on the same data:
# how long loading the registry took, and the RSS holding it.
#
# checks (not run by default): e2e with the checks at accept loaded beside
# e2e without them, alternated run by run (E2E_RUNS pairs, the E2E_* knobs
# apply): CHECKS_RULES (1000) content rules, word lists and patterns the
# bench text does not match; the demo account promotional, with
# CHECKS_DND (1000000) numbers on the DND registry and CHECKS_OPT_OUTS
# (100000) opt-outs of its own, none of them a destination of the run, so
# every message is checked and passes. The registry and the opt-outs are
# imported once into a data directory each loaded run starts a copy of.
#
# priority (not run by default): single messages' time from accepted to
# with the SMSC (their history's ACCEPTED and SUBMITTED times: p50, p95,
# p99, max of PRIORITY_OTPS (200) messages sent one by one over HTTP at
# PRIORITY_RATE (20) per second), through an smpp gateway to `pasarela
# sim-smsc` limited to PRIORITY_GATEWAY_TPS (1000) per second: alone, then
# beside a PRIORITY_CAMPAIGN (100000)-recipient campaign filling the same
# gateway (measured once the campaign has sent PRIORITY_BACKLOG (20000)),
# on a fresh serve each of E2E_RUNS runs.
#
# contacts (not run by default): CONTACTS_ROWS (1000000) rows of
# number,name,city made by awk and streamed as text/csv to POST
# /api/v1/contacts/import?group=bench as the demo account (curl uploads
# them chunked, as they are made): the answer, the import rate, and
# serve's RSS before and after it.
#
# campaign (not run by default): a CAMPAIGN_RECIPIENTS (1000000)-recipient
# campaign through the built-in simulator: its number,text file made by
# awk and streamed to POST /api/v1/campaigns/file (how long making it
# took, rows/s), then run to the end (recipients/s), with serve's RSS
# before, once it is made, and at the end (now and peak).
#
# vs-kannel (not run by default): the whole HTTP loop beside Debian's
# Kannel (installed when missing) on the same load, alternated run by run
# (LOOP_RUNS, 3): LOOP_REQUESTS (20000) `GET /cgi-bin/sendsms` with
# dlr-mask=3 and a dlr-url, LOOP_CONNECTIONS (50) keep-alive connections
# (scripts/load/http_loop.js), through the node-smpp SMSC
# (scripts/interop/node-smsc, receipts after LOOP_DLR_DELAY_MS, 50) on one
# transceiver link of window LOOP_WINDOW (200) each, timed to the last
# final report called back; each run prints msg/s, request latency and the
# CPU seconds each used, then the medians and their ratio.
#
# api-loop (not run by default): the same loop over the JSON API (POST
# /api/v1/messages with a callback_url, the receipt's callback timed),
# pasarela only.
#
# relay (not run by default): SMPP relaying against the tools' own
# ceiling, alternated run by run (RELAY_RUNS, 3): a node-smpp load tool
# (scripts/load/smpp_load.js: RELAY_MESSAGES (100000) submit_sm asking for
# a receipt, one transceiver bind, window RELAY_WINDOW (200)) and then
# `pasarela bench` (one session, the same window), each straight to
# `pasarela sim-smsc` (receipts after E2E_DLR_DELAY_MS, 200) and through
# pasarela (a fresh serve, its smpp gateway one transceiver of the same
# window to the same SMSC), each timed to the last receipt; each run
# prints every result, then per tool the medians and their ratio.
#
# scaling (not run by default): what serve makes of a second core. The
# relay's node-smpp load through pasarela (as relay's, RELAY_MESSAGES and
# RELAY_WINDOW), with serve confined to one core (`taskset -c 0`) and
# then free to use all, alternated run by run (SCALING_RUNS, 3), each on
# a fresh serve; prints every result with serve's CPU seconds, then the
# medians and their ratio. The load tool and the SMSC are not confined:
# on a 2-core machine they share the cores with serve either way.
#
# memory (not run by default): whether serve's memory stays flat. One
# serve through `pasarela sim-smsc` takes MEMORY_ROUNDS (2) rounds of
# MEMORY_MESSAGES (1000000) submits paced at MEMORY_RATE (8000) per
# second, a rate it keeps up with, so nothing queues. It prints serve's
# RSS (now, peak, anonymous and file pages) idle and 20 s after each
# round's last receipt, then the growth per million between the first
# round and the last.
#
# PASARELA_BINARY=PATH runs e2e, upstream, http, sendsms, dnd, checks, contacts, priority, campaign, vs-kannel, api-loop, relay, scaling and memory on that binary
# instead of building target/release/pasarela: alternate two builds (say,
# before and after a change) run by run to compare them on a noisy machine.
set -euo pipefail
cd "$(dirname "$0")/.."

BINARY=${PASARELA_BINARY:-target/release/pasarela}

# Builds the release binary unless PASARELA_BINARY names one.
build() {
    [[ -n "${PASARELA_BINARY:-}" ]] || cargo build --release --quiet
}

# Starts serve on a fresh data directory in $2 (binary $1), routed to the
# SMPP upstream at $3 when given; sets SERVE_PID, SMPP_ADDRESS, HTTP_ADDRESS.
serve_start() {
    local binary=$1 dir=$2 upstream=${3:-}
    local config="$dir/pasarela.toml" log="$dir/serve.log"
    # SERVE_KEEP_DATA: start again on what the last run left.
    [[ -n "${SERVE_KEEP_DATA:-}" ]] || rm -rf "$dir/data"
    sed -e "s|^data_dir = .*|data_dir = \"$dir/data\"|" \
        -e 's|^listen = "127.0.0.1:2775"|listen = "127.0.0.1:0"|' \
        -e 's|^listen = "127.0.0.1:8080"|listen = "127.0.0.1:0"|' \
        -e "s|^durability = .*|durability = \"${E2E_DURABILITY:-power}\"|" \
        -e "s|^dlr_delay_ms = .*|dlr_delay_ms = ${E2E_DLR_DELAY_MS:-200}|" \
        -e 's|^credit = .*|credit = "100000000.00"|' \
        -e 's|^tps = .*|tps = 0|' \
        config/pasarela.toml >"$config"
    # E2E_RETENTION_DAYS: store.retention_days instead of the shipped one.
    if [[ -n "${E2E_RETENTION_DAYS:-}" ]]; then
        sed -i "s|^retention_days = .*|retention_days = $E2E_RETENTION_DAYS|" "$config"
    fi
    # CHECKS_CONFIG: the demo account promotional, and that file's content
    # rules (the checks benchmark).
    if [[ -n "${CHECKS_CONFIG:-}" ]]; then
        sed -i 's|^tps = 0|tps = 0\ntraffic = "promotional"|' "$config"
        cat "$CHECKS_CONFIG" >>"$config"
    fi
    if [[ -n "$upstream" ]]; then
        sed -i 's|^gateways = \["sim"\]|gateways = ["smsc"]|' "$config"
        cat >>"$config" <<TOML

[[gateways]]
name = "smsc"
kind = "smpp"
host = "${upstream%:*}"
port = ${upstream##*:}
system_id = "pasarela"
password = "secret"
bind = "transceiver"
sessions = ${UPSTREAM_SESSIONS:-1}
window = ${UPSTREAM_WINDOW:-256}
tps = ${UPSTREAM_TPS:-0}
TOML
    fi
    # SERVE_CORES: the CPU list serve is confined to (taskset -c).
    ${SERVE_CORES:+taskset -c "$SERVE_CORES"} "$binary" serve --config "$config" 2>"$log" &
    SERVE_PID=$!
    SMPP_ADDRESS=""
    HTTP_ADDRESS=""
    for _ in $(seq 1 300); do
        # The log may not exist yet: the shell in the background makes it.
        SMPP_ADDRESS=$(sed -n 's/.*SMPP listening, address: \([0-9.:]*\).*/\1/p' "$log" 2>/dev/null | head -n1 || true)
        HTTP_ADDRESS=$(sed -n 's/.*HTTP listening, address: \([0-9.:]*\).*/\1/p' "$log" 2>/dev/null | head -n1 || true)
        [[ -n "$SMPP_ADDRESS" && -n "$HTTP_ADDRESS" ]] && return 0
        sleep 0.1
    done
    echo "serve did not start:" >&2
    cat "$log" >&2
    kill "$SERVE_PID" 2>/dev/null || true
    return 1
}

# Prints serve's RSS (now and peak), and what of it now is the heap and
# the like (RssAnon) and what is the binary's and other files' pages
# (RssFile).
serve_rss() {
    awk '/^VmRSS|^VmHWM|^RssAnon|^RssFile/ { printf "serve %s %d MB\n", $1, $2 / 1024 }' "/proc/$SERVE_PID/status"
}

# Prints serve's RSS (now and peak) and stops it.
serve_stop() {
    serve_rss
    kill -TERM "$SERVE_PID"
    wait "$SERVE_PID" || true
}

e2e_run() {
    local binary=$1
    serve_start "$@"
    local rate=() resubmit=()
    [[ -n "${E2E_RATE:-}" ]] && rate=(--rate "$E2E_RATE")
    [[ -n "${E2E_RESUBMIT:-}" ]] && resubmit=(--resubmit-refused)
    "$binary" bench --connect "$SMPP_ADDRESS" \
        --messages "${E2E_MESSAGES:-100000}" \
        --sessions "${E2E_SESSIONS:-4}" \
        --window "${E2E_WINDOW:-256}" "${rate[@]}" "${resubmit[@]}" --json
    serve_stop
}

e2e() {
    build
    local dir
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    for run in $(seq 1 "${E2E_RUNS:-3}"); do
        echo "e2e run $run"
        e2e_run "$BINARY" "$dir"
    done
}

# Starts `sim-smsc` in the directory $1 with the arguments after it;
# sets SMSC_PID and SMSC_ADDRESS.
smsc_start() {
    local dir=$1
    shift
    "$BINARY" sim-smsc --listen 127.0.0.1:0 "$@" \
        --dlr-delay-ms "${E2E_DLR_DELAY_MS:-200}" >"$dir/smsc.out" 2>"$dir/smsc.log" &
    SMSC_PID=$!
    SMSC_ADDRESS=""
    for _ in $(seq 1 100); do
        # The file may not exist yet: the shell in the background makes it.
        SMSC_ADDRESS=$(sed -n 's/^sim-smsc listening on \(.*\)$/\1/p' "$dir/smsc.out" 2>/dev/null || true)
        [[ -n "$SMSC_ADDRESS" ]] && return 0
        sleep 0.1
    done
    echo "sim-smsc did not start" >&2
    return 1
}

upstream() {
    build
    local dir
    dir=$(mktemp -d)
    local mo=()
    [[ -n "${UPSTREAM_MO_EVERY_MS:-}" ]] && mo=(--mo-every-ms "$UPSTREAM_MO_EVERY_MS")
    smsc_start "$dir" "${mo[@]}"
    trap 'kill "$SMSC_PID" 2>/dev/null; rm -rf "$dir"' RETURN
    local address=$SMSC_ADDRESS
    for run in $(seq 1 "${E2E_RUNS:-3}"); do
        echo "upstream run $run (${UPSTREAM_SESSIONS:-1} binds)"
        e2e_run "$BINARY" "$dir" "$address"
        if [[ ${#mo[@]} -gt 0 ]]; then
            echo "MO stored: $(grep -c 'MO message from the SMSC stored' "$dir/serve.log" || true)"
        fi
    done
}

http() {
    command -v wrk >/dev/null || { echo "the http benchmark needs wrk (apt-get install wrk)" >&2; return 1; }
    build
    local dir
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    cat >"$dir/send.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic ZGVtbzpkZW1vMTIzNA=="
local n = 0
request = function()
    n = n + 1
    local body = string.format('{"to":"+34600%07d","from":"Shop","text":"load test"}', n % 10000000)
    return wrk.format(nil, "/api/v1/messages", nil, body)
end
LUA
    wrk_runs http "$dir"
}

# Runs wrk with "$2/send.lua" against a fresh serve, E2E_RUNS times,
# named $1 in the output.
wrk_runs() {
    local name=$1 dir=$2
    for run in $(seq 1 "${E2E_RUNS:-3}"); do
        echo "$name run $run"
        serve_start "$BINARY" "$dir"
        # Warm-up, not reported: each connection's first request waits for
        # argon2 (two at a time); a client's later ones do not.
        wrk -t 1 -c "${HTTP_CONNECTIONS:-64}" -d 3s -s "$dir/send.lua" "http://$HTTP_ADDRESS" >/dev/null
        wrk -t 1 -c "${HTTP_CONNECTIONS:-64}" -d "${HTTP_SECONDS:-10}s" --latency \
            -s "$dir/send.lua" "http://$HTTP_ADDRESS"
        serve_stop
    done
}

sendsms() {
    command -v wrk >/dev/null || { echo "the sendsms benchmark needs wrk (apt-get install wrk)" >&2; return 1; }
    build
    local dir
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    cat >"$dir/send.lua" <<'LUA'
local n = 0
request = function()
    n = n + 1
    local path = string.format(
        "/cgi-bin/sendsms?username=demo&password=demo1234&from=Shop&to=34600%07d&text=load+test",
        n % 10000000)
    return wrk.format("GET", path)
end
LUA
    wrk_runs sendsms "$dir"
}

dnd() {
    build
    local dir numbers=${DND_NUMBERS:-10000000} first=34700000000 started ended
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    serve_start "$BINARY" "$dir"
    started=$(date +%s.%N)
    import_numbers "$first" "$numbers" /api/v1/dnd/import "$dir"
    ended=$(date +%s.%N)
    awk -v n="$numbers" -v s="$started" -v e="$ended" \
        'BEGIN { printf "dnd import: %d numbers in %.1f s, %.0f numbers/s\n", n, e - s, n / (e - s) }'
    serve_stop
    SERVE_KEEP_DATA=1 serve_start "$BINARY" "$dir"
    sed -n 's/.*DND registry loaded.*/&/p' "$dir/serve.log"
    serve_stop
}

# Prints N content rules: nine in ten a list of five words, the rest a
# pattern; none matches the bench's text.
content_rules() {
    awk -v n="$1" 'BEGIN {
        for (i = 0; i < n; i++) {
            printf "\n[[content_rules]]\nname = \"rule%04d\"\naction = \"reject\"\n", i
            if (i % 10 == 9)
                printf "pattern = '"'"'offer\\s+%d\\d{3}\\b'"'"'\n", i
            else
                printf "words = [\"spam%da\", \"spam%db\", \"free money %d\", \"win%d\", \"prize %d now\"]\n", i, i, i, i, i
        }
    }'
}

# Streams the numbers $1 to $1 + $2 - 1, one per line, to the admin
# endpoint $3 of the serve started last on the data directory under $4.
import_numbers() {
    seq "$1" $(($1 + $2 - 1)) |
        curl -sS --fail-with-body -u "admin:$(cat "$4/data/admin-password")" -X POST \
            -H 'Content-Type: text/plain' -T - "http://$HTTP_ADDRESS$3"
    echo
}

checks() {
    build
    local dir
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    content_rules "${CHECKS_RULES:-1000}" >"$dir/rules.toml"
    mkdir -p "$dir/plain" "$dir/loaded"
    CHECKS_CONFIG="$dir/rules.toml" serve_start "$BINARY" "$dir/loaded"
    import_numbers 34610000000 "${CHECKS_DND:-1000000}" /api/v1/dnd/import "$dir/loaded"
    import_numbers 34620000000 "${CHECKS_OPT_OUTS:-100000}" "/api/v1/opt-outs/import?account=demo" "$dir/loaded"
    serve_stop
    mv "$dir/loaded/data" "$dir/seed"
    for run in $(seq 1 "${E2E_RUNS:-3}"); do
        echo "checks run $run: none"
        e2e_run "$BINARY" "$dir/plain"
        echo "checks run $run: loaded"
        rm -rf "$dir/loaded/data"
        cp -r "$dir/seed" "$dir/loaded/data"
        # The copy's pages reach the disk now, not during the run.
        sync
        SERVE_KEEP_DATA=1 CHECKS_CONFIG="$dir/rules.toml" e2e_run "$BINARY" "$dir/loaded"
    done
}

priority() {
    build
    local dir id
    dir=$(mktemp -d)
    smsc_start "$dir"
    trap 'kill "$SMSC_PID" 2>/dev/null; rm -rf "$dir"' RETURN
    for run in $(seq 1 "${E2E_RUNS:-3}"); do
        UPSTREAM_TPS=${PRIORITY_GATEWAY_TPS:-1000} serve_start "$BINARY" "$dir" "$SMSC_ADDRESS"
        echo "priority run $run: alone"
        python3 scripts/campaign_bench.py otp "$HTTP_ADDRESS" "${PRIORITY_OTPS:-200}" "${PRIORITY_RATE:-20}"
        id=$(python3 scripts/campaign_bench.py start "$HTTP_ADDRESS" "${PRIORITY_CAMPAIGN:-100000}")
        python3 scripts/campaign_bench.py wait "$HTTP_ADDRESS" "$id" "${PRIORITY_BACKLOG:-20000}"
        echo "priority run $run: beside campaign $id"
        python3 scripts/campaign_bench.py otp "$HTTP_ADDRESS" "${PRIORITY_OTPS:-200}" "${PRIORITY_RATE:-20}"
        serve_stop
    done
}

contacts() {
    build
    local dir rows=${CONTACTS_ROWS:-1000000} started ended
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    serve_start "$BINARY" "$dir"
    echo "before the import:"
    serve_rss
    started=$(date +%s.%N)
    awk -v n="$rows" 'BEGIN {
        split("Madrid Bilbao Sevilla Valencia Vigo", cities, " ")
        print "number,name,city"
        for (i = 0; i < n; i++)
            printf "+34%09d,Person %d,%s\n", 600000000 + i, i, cities[i % 5 + 1]
    }' |
        curl -sS --fail-with-body -u demo:demo1234 -X POST -H 'Content-Type: text/csv' -T - \
            "http://$HTTP_ADDRESS/api/v1/contacts/import?group=bench"
    echo
    ended=$(date +%s.%N)
    awk -v n="$rows" -v s="$started" -v e="$ended" \
        'BEGIN { printf "contacts import: %d rows in %.1f s, %.0f rows/s\n", n, e - s, n / (e - s) }'
    echo "after the import:"
    serve_stop
}

campaign() {
    build
    local dir rows=${CAMPAIGN_RECIPIENTS:-1000000} started ended id
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    serve_start "$BINARY" "$dir"
    echo "before the campaign:"
    serve_rss
    started=$(date +%s.%N)
    awk -v n="$rows" 'BEGIN {
        print "number,text"
        for (i = 0; i < n; i++)
            printf "+34%09d,Rebajas de invierno: 20%% en todo para el cliente %d\n", 600000000 + i, i
    }' |
        curl -sS --fail-with-body -u demo:demo1234 -X POST -H 'Content-Type: text/csv' -T - \
            "http://$HTTP_ADDRESS/api/v1/campaigns/file?name=bench&from=Shop" >"$dir/made.json"
    ended=$(date +%s.%N)
    id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$dir/made.json")
    awk -v n="$rows" -v s="$started" -v e="$ended" \
        'BEGIN { printf "campaign made: %d recipients in %.1f s, %.0f rows/s\n", n, e - s, n / (e - s) }'
    serve_rss
    python3 scripts/campaign_bench.py wait "$HTTP_ADDRESS" "$id"
    echo "at the end:"
    serve_stop
}

# A port of 127.0.0.1 free now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# CPU seconds (user + system) the processes $@ used so far.
cpu_seconds() {
    local ticks
    ticks=$(getconf CLK_TCK)
    for pid in "$@"; do cat "/proc/$pid/stat"; done |
        awk -v hz="$ticks" '{ sub(/^.*\) /, ""); total += $12 + $13 } END { printf "%.1f", total / hz }'
}

# Debian's Kannel and the node-smpp SMSC (scripts/interop/node-smsc), with
# what they need, installed when missing.
loop_peers() {
    command -v bearerbox >/dev/null || { apt-get update -qq && apt-get install -y -qq kannel; }
    command -v node >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
    [[ -d scripts/interop/node-smsc/node_modules ]] || npm ci --prefix scripts/interop/node-smsc --no-audit --no-fund
}

# Starts the node-smpp SMSC in $1 (receipts after LOOP_DLR_DELAY_MS, 50);
# sets NODE_SMSC_PID and NODE_SMSC_ADDRESS.
node_smsc_start() {
    local dir=$1
    node scripts/interop/node-smsc/smsc.js --journal "$dir/smsc.journal" \
        --dlr-delay-ms "${LOOP_DLR_DELAY_MS:-50}" >"$dir/node-smsc.out" 2>&1 &
    NODE_SMSC_PID=$!
    NODE_SMSC_ADDRESS=""
    for _ in $(seq 1 100); do
        NODE_SMSC_ADDRESS=$(sed -n 's/^listening on \(.*\)$/\1/p' "$dir/node-smsc.out" 2>/dev/null || true)
        [[ -n "$NODE_SMSC_ADDRESS" ]] && return 0
        sleep 0.1
    done
    echo "the node SMSC did not start:" >&2
    cat "$dir/node-smsc.out" >&2
    return 1
}

# CPU seconds the node SMSC used since it had used $1.
smsc_cpu() {
    awk -v now="$(cpu_seconds "$NODE_SMSC_PID")" -v before="$1" 'BEGIN { printf "%.1f", now - before }'
}

# Runs the load tool against $1 as kind $2; prints its JSON line.
loop_load() {
    node scripts/load/http_loop.js --target "$1" --kind "$2" \
        --requests "${LOOP_REQUESTS:-20000}" --connections "${LOOP_CONNECTIONS:-50}" "${@:3}"
}

# One Kannel run in $1 against the SMSC at $2: bearerbox and smsbox with
# an smpp link of window LOOP_WINDOW, the sendsms + dlr-url load, their CPU.
kannel_loop_run() {
    local dir=$1 smsc=$2 boxes sendsms result
    boxes=$(free_port)
    sendsms=$(free_port)
    rm -f "$dir"/kannel-*.log
    cat >"$dir/kannel.conf" <<CONF
group = core
admin-port = $(free_port)
admin-password = bench
admin-interface = 127.0.0.1
smsbox-port = $boxes
smsbox-interface = 127.0.0.1
log-file = "$dir/kannel-bearerbox.log"
log-level = 2
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = node
host = ${smsc%:*}
port = ${smsc##*:}
transceiver-mode = true
smsc-username = pasarela
smsc-password = secret
system-type = ""
max-pending-submits = ${LOOP_WINDOW:-200}

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = $sendsms
sendsms-interface = 127.0.0.1
log-file = "$dir/kannel-smsbox.log"
log-level = 2

group = sendsms-user
username = demo
password = demo1234
CONF
    bearerbox "$dir/kannel.conf" >"$dir/kannel-bearerbox.out" 2>&1 &
    local bearerbox=$!
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$boxes") 2>/dev/null && break
        sleep 0.1
    done
    smsbox "$dir/kannel.conf" >"$dir/kannel-smsbox.out" 2>&1 &
    local smsbox=$!
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$sendsms/" && break
        sleep 0.1
    done
    # The link binds in the background: wait until bearerbox says it is online.
    for _ in $(seq 1 100); do
        curl -s "http://127.0.0.1:$(sed -n 's/^admin-port = //p' "$dir/kannel.conf")/status.txt?password=bench" |
            grep -q 'online' && break
        sleep 0.1
    done
    local smsc_before
    smsc_before=$(cpu_seconds "$NODE_SMSC_PID")
    result=$(loop_load "127.0.0.1:$sendsms" sendsms) || true
    echo "kannel   $result cpu_s=$(cpu_seconds "$bearerbox" "$smsbox") smsc_cpu_s=$(smsc_cpu "$smsc_before")"
    kill "$smsbox" "$bearerbox" 2>/dev/null || true
    wait "$smsbox" "$bearerbox" 2>/dev/null || true
    LOOP_RESULT=$result
}

# One pasarela run in $1 against the SMSC at $2, load kind $3.
pasarela_loop_run() {
    local dir=$1 smsc=$2 kind=$3 result
    UPSTREAM_WINDOW=${LOOP_WINDOW:-200} serve_start "$BINARY" "$dir" "$smsc"
    # Bound to the SMSC before the load starts, as Kannel's link is.
    for _ in $(seq 1 100); do
        grep -q 'bound to the SMSC' "$dir/serve.log" && break
        sleep 0.1
    done
    local smsc_before
    smsc_before=$(cpu_seconds "$NODE_SMSC_PID")
    result=$(loop_load "$HTTP_ADDRESS" "$kind") || true
    echo "pasarela $result cpu_s=$(cpu_seconds "$SERVE_PID") smsc_cpu_s=$(smsc_cpu "$smsc_before")"
    serve_stop >/dev/null
    LOOP_RESULT=$result
}

# The median of the numbers on stdin.
median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

msg_per_s() {
    sed -n 's/.*"msg_per_s":\([0-9]*\).*/\1/p'
}

vs_kannel() {
    loop_peers
    build
    local dir kannel=() pasarela=()
    dir=$(mktemp -d)
    node_smsc_start "$dir"
    trap 'kill "$NODE_SMSC_PID" 2>/dev/null; rm -rf "$dir"' RETURN
    for run in $(seq 1 "${LOOP_RUNS:-3}"); do
        echo "vs-kannel run $run: ${LOOP_REQUESTS:-20000} sendsms requests with dlr-url, ${LOOP_CONNECTIONS:-50} connections, to the last final report"
        kannel_loop_run "$dir" "$NODE_SMSC_ADDRESS"
        kannel+=("$(msg_per_s <<<"$LOOP_RESULT")")
        pasarela_loop_run "$dir" "$NODE_SMSC_ADDRESS" sendsms
        pasarela+=("$(msg_per_s <<<"$LOOP_RESULT")")
    done
    local k p
    k=$(printf '%s\n' "${kannel[@]}" | median)
    p=$(printf '%s\n' "${pasarela[@]}" | median)
    awk -v k="$k" -v p="$p" 'BEGIN { printf "median msg/s: kannel %d, pasarela %d, ratio %.2f\n", k, p, (k > 0 ? p / k : 0) }'
}

# The JSON API's loop: POST /api/v1/messages with a callback_url, through
# the node SMSC, to the last receipt callback (pasarela only).
api_loop() {
    loop_peers
    build
    local dir
    dir=$(mktemp -d)
    node_smsc_start "$dir"
    trap 'kill "$NODE_SMSC_PID" 2>/dev/null; rm -rf "$dir"' RETURN
    for run in $(seq 1 "${LOOP_RUNS:-3}"); do
        echo "api-loop run $run"
        pasarela_loop_run "$dir" "$NODE_SMSC_ADDRESS" api
    done
}

# The node-smpp load tool against the SMPP address $1 with the
# arguments after it; prints its JSON line.
relay_load() {
    node scripts/load/smpp_load.js --target "$1" \
        --messages "${RELAY_MESSAGES:-100000}" --window "${RELAY_WINDOW:-200}" "${@:2}"
}

relay() {
    command -v node >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
    [[ -d scripts/interop/node-smsc/node_modules ]] || npm ci --prefix scripts/interop/node-smsc --no-audit --no-fund
    build
    local dir result node_direct=() node_through=() own_direct=() own_through=()
    local own=(--messages "${RELAY_MESSAGES:-100000}" --sessions 1 --window "${RELAY_WINDOW:-200}" --json)
    dir=$(mktemp -d)
    smsc_start "$dir"
    trap 'kill "$SMSC_PID" 2>/dev/null; rm -rf "$dir"' RETURN
    for run in $(seq 1 "${RELAY_RUNS:-3}"); do
        echo "relay run $run: ${RELAY_MESSAGES:-100000} submit_sm with receipts, window ${RELAY_WINDOW:-200}"
        result=$(relay_load "$SMSC_ADDRESS" --system-id pasarela --password secret) ||
            { echo "  the load failed straight to the SMSC: $result" >&2; return 1; }
        echo "  node-smpp straight to the SMSC: $result"
        node_direct+=("$(msg_per_s <<<"$result")")
        result=$("$BINARY" bench --connect "$SMSC_ADDRESS" "${own[@]}")
        echo "  pasarela bench straight to the SMSC: $result"
        own_direct+=("$(e2e_per_s <<<"$result")")
        UPSTREAM_WINDOW=${RELAY_WINDOW:-200} serve_start "$BINARY" "$dir" "$SMSC_ADDRESS"
        result=$(relay_load "$SMPP_ADDRESS") ||
            { echo "  the load failed through pasarela: $result" >&2; serve_stop; return 1; }
        echo "  node-smpp through pasarela: $result"
        node_through+=("$(msg_per_s <<<"$result")")
        serve_stop
        UPSTREAM_WINDOW=${RELAY_WINDOW:-200} serve_start "$BINARY" "$dir" "$SMSC_ADDRESS"
        result=$("$BINARY" bench --connect "$SMPP_ADDRESS" "${own[@]}")
        echo "  pasarela bench through pasarela: $result"
        own_through+=("$(e2e_per_s <<<"$result")")
        serve_stop
    done
    relay_ratio "node-smpp load" "${node_direct[*]}" "${node_through[*]}"
    relay_ratio "pasarela bench" "${own_direct[*]}" "${own_through[*]}"
}

scaling() {
    command -v node >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
    [[ -d scripts/interop/node-smsc/node_modules ]] || npm ci --prefix scripts/interop/node-smsc --no-audit --no-fund
    build
    local dir result one=() all=()
    dir=$(mktemp -d)
    smsc_start "$dir"
    trap 'kill "$SMSC_PID" 2>/dev/null; rm -rf "$dir"' RETURN
    for run in $(seq 1 "${SCALING_RUNS:-3}"); do
        echo "scaling run $run: ${RELAY_MESSAGES:-100000} submit_sm with receipts through pasarela"
        for cores in 0 ""; do
            SERVE_CORES=$cores UPSTREAM_WINDOW=${RELAY_WINDOW:-200} serve_start "$BINARY" "$dir" "$SMSC_ADDRESS"
            result=$(relay_load "$SMPP_ADDRESS") ||
                { echo "  the load failed through pasarela: $result" >&2; serve_stop; return 1; }
            echo "  serve on ${cores:+core }${cores:-every core}: $result serve_cpu_s=$(cpu_seconds "$SERVE_PID")"
            if [[ -n "$cores" ]]; then one+=("$(msg_per_s <<<"$result")"); else all+=("$(msg_per_s <<<"$result")"); fi
            serve_stop >/dev/null
        done
    done
    local o a
    o=$(printf '%s\n' "${one[@]}" | median)
    a=$(printf '%s\n' "${all[@]}" | median)
    awk -v o="$o" -v a="$a" -v n="$(nproc)" 'BEGIN { printf "median msg/s: serve on one core %d, on all %d cores %d, ratio %.2f\n", o, n, a, (o > 0 ? a / o : 0) }'
}

# `pasarela bench --json`'s end-to-end msg/s (to the last receipt).
e2e_per_s() {
    sed -n 's/.*"e2e_per_sec":\([0-9]*\).*/\1/p'
}

# Prints tool $1's medians straight ($2) and through pasarela ($3), and
# their ratio.
relay_ratio() {
    local d t
    d=$(tr ' ' '\n' <<<"$2" | median)
    t=$(tr ' ' '\n' <<<"$3" | median)
    awk -v tool="$1" -v d="$d" -v t="$t" 'BEGIN { printf "%s, median msg/s: straight %d, through pasarela %d, ratio %.2f\n", tool, d, t, (d > 0 ? t / d : 0) }'
}

# One serve, several paced rounds of submits through sim-smsc; serve's
# RSS idle and after each round, then the growth per million over the
# rounds.
memory() {
    build
    local dir
    dir=$(mktemp -d)
    smsc_start "$dir"
    trap 'kill "$SMSC_PID" 2>/dev/null; rm -rf "$dir"' RETURN
    serve_start "$BINARY" "$dir" "$SMSC_ADDRESS"
    sleep 2
    echo "memory idle:"
    serve_rss
    local messages=${MEMORY_MESSAGES:-1000000} rounds=${MEMORY_ROUNDS:-2}
    local first="" last=""
    for round in $(seq 1 "$rounds"); do
        echo "memory round $round: $messages messages at ${MEMORY_RATE:-8000}/s"
        "$BINARY" bench --connect "$SMPP_ADDRESS" --messages "$messages" \
            --sessions 4 --window 256 --rate "${MEMORY_RATE:-8000}" --json
        sleep 20
        serve_rss
        last=$(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$SERVE_PID/status")
        [[ -n "$first" ]] || first=$last
    done
    serve_stop
    if ((rounds > 1)); then
        awk -v a="$first" -v b="$last" -v n="$messages" -v r="$rounds" \
            'BEGIN { printf "serve RSS after round 1: %d MB, after round %d: %d MB, growth %.0f MB per million messages\n", a, r, b, (b - a) / ((r - 1) * n / 1e6) }'
    fi
}

benches=("$@")
[[ ${#benches[@]} -gt 0 ]] || benches=(codec store e2e upstream http sendsms)

for bench in "${benches[@]}"; do
    case "$bench" in
        # The codec is core: measure it without the runtime compiled in.
        codec) cargo bench --no-default-features --bench codec ;;
        store) cargo bench --bench store ;;
        reports) cargo bench --bench summaries ;;
        e2e) e2e ;;
        upstream) upstream ;;
        http) http ;;
        sendsms) sendsms ;;
        dnd) dnd ;;
        checks) checks ;;
        contacts) contacts ;;
        priority) priority ;;
        campaign) campaign ;;
        vs-kannel) vs_kannel ;;
        api-loop) api_loop ;;
        relay) relay ;;
        scaling) scaling ;;
        memory) memory ;;
        *) echo "unknown benchmark: $bench (codec, store, reports, e2e, upstream, http, sendsms, dnd, checks, contacts, priority, campaign, vs-kannel, api-loop, relay, scaling, memory)" >&2; exit 2 ;;
    esac
done
