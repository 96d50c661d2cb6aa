#!/usr/bin/env node
// An SMPP load built on node-smpp (the npm package `smpp`, installed in
// scripts/interop/node-smsc), an SMPP client nobody on pasarela wrote: one
// transceiver bind submits --messages submit_sm asking for a receipt
// (registered_delivery 1), keeping at most --window unanswered, answers
// every deliver_sm, and counts the delivery receipts. Timed from the first
// submit to the last receipt, so that what relays the messages is measured
// all the way round. Pointed straight at an SMSC it measures the SMSC and
// the tool; pointed at pasarela routed to the same SMSC, the switch too
// (`scripts/bench.sh relay`, against `pasarela sim-smsc`; docs/benchmarks.md).
//
// Usage: node smpp_load.js --target HOST:PORT [--system-id demo]
//   [--password demo1234] [--messages 100000] [--window 200]
//   [--quiet-s 10] [--timeout-s 300]
//
// Waits for every receipt, or until none came for --quiet-s once every
// submit was answered, or --timeout-s. Prints one JSON line: messages,
// accepted (submit_sm_resp ESME_ROK), refused (by status), receipts,
// missing, seconds, msg_per_s (receipts per second), submit_per_s
// (submits answered per second of the sending), submit_sm_resp latency
// p50/p99 in ms. Exits 1 when a submit was refused or a receipt is missing.

'use strict';

const path = require('path');
const { parseArgs } = require('util');
const smpp = require(path.join(__dirname, '../interop/node-smsc/node_modules/smpp'));

const { values: options } = parseArgs({
  options: {
    target: { type: 'string' },
    'system-id': { type: 'string', default: 'demo' },
    password: { type: 'string', default: 'demo1234' },
    messages: { type: 'string', default: '100000' },
    window: { type: 'string', default: '200' },
    'quiet-s': { type: 'string', default: '10' },
    'timeout-s': { type: 'string', default: '300' },
  },
});

if (!options.target) {
  console.error('--target HOST:PORT is required');
  process.exit(2);
}
const total = Number(options.messages);
const window = Number(options.window);
const quietMs = Number(options['quiet-s']) * 1000;
const timeoutMs = Number(options['timeout-s']) * 1000;

let sent = 0;
let answered = 0;
let accepted = 0;
let receipts = 0;
let outstanding = 0;
let started = 0;
let lastSubmitAnswer = 0;
let lastReceipt = 0;
let lastEvent = Date.now();
const refused = {};
const latencies = [];

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function finish(session) {
  const end = receipts === accepted && accepted > 0 ? lastReceipt : Date.now();
  const seconds = (end - started) / 1000;
  latencies.sort((a, b) => a - b);
  const result = {
    messages: total,
    accepted,
    refused,
    receipts,
    missing: accepted - receipts,
    seconds: Number(seconds.toFixed(3)),
    msg_per_s: Math.round(receipts / seconds),
    submit_per_s: Math.round(answered / ((lastSubmitAnswer - started) / 1000)),
    submit_p50_ms: Number(percentile(latencies, 50).toFixed(2)),
    submit_p99_ms: Number(percentile(latencies, 99).toFixed(2)),
  };
  console.log(JSON.stringify(result));
  session.close();
  process.exit(Object.keys(refused).length === 0 && result.missing === 0 ? 0 : 1);
}

/**
 * The n-th destination: a Spanish mobile number whose last four digits
 * stay under 9000, clear of the simulators' fault numbers (…9990 to …9999
 * are refused, answered late or fail).
 */
function destination(n) {
  const head = String(Math.floor(n / 9000) % 100000).padStart(5, '0');
  return `346${head}${String(n % 9000).padStart(4, '0')}`;
}

function pump(session) {
  while (outstanding < window && sent < total) {
    const n = sent++;
    outstanding++;
    const at = process.hrtime.bigint();
    session.submit_sm(
      {
        source_addr: 'Load',
        source_addr_ton: 5,
        destination_addr: destination(n),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        registered_delivery: 1,
        short_message: 'load test',
      },
      (resp) => {
        outstanding--;
        answered++;
        lastSubmitAnswer = Date.now();
        lastEvent = lastSubmitAnswer;
        latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
        if (resp.command_status === smpp.ESME_ROK) {
          accepted++;
        } else {
          refused[resp.command_status] = (refused[resp.command_status] || 0) + 1;
        }
        pump(session);
      },
    );
  }
}

const [host, port] = options.target.split(':');
const session = smpp.connect({ host, port: Number(port) }, () => {
  session.bind_transceiver(
    { system_id: options['system-id'], password: options.password },
    (pdu) => {
      if (pdu.command_status !== smpp.ESME_ROK) {
        console.error(`bind refused: status ${pdu.command_status}`);
        process.exit(1);
      }
      started = Date.now();
      pump(session);
      const watch = setInterval(() => {
        const now = Date.now();
        const allAnswered = answered === total;
        if ((allAnswered && receipts >= accepted) ||
            (allAnswered && now - lastEvent > quietMs) ||
            now - started > timeoutMs) {
          clearInterval(watch);
          finish(session);
        }
      }, 20);
    },
  );
});
session.on('deliver_sm', (pdu) => {
  session.send(pdu.response());
  if (pdu.esm_class & smpp.ESM_CLASS.MC_DELIVERY_RECEIPT) {
    receipts++;
    lastReceipt = Date.now();
    lastEvent = lastReceipt;
  }
});
session.on('enquire_link', (pdu) => session.send(pdu.response()));
session.on('error', (error) => {
  console.error(`smpp error: ${error.message}`);
  process.exit(1);
});
