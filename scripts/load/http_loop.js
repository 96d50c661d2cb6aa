#!/usr/bin/env node
// The whole HTTP loop a customer's message takes, as a load: requests in
// (Kannel's GET /cgi-bin/sendsms with dlr-mask and dlr-url, or pasarela's
// POST /api/v1/messages with a callback_url), each answered, and its final
// delivery report called back to this tool's own HTTP server. Timed from
// the first request to the last final report, so a gateway that answers
// fast but reports slowly is not flattered. Used by `scripts/bench.sh
// vs-kannel` and `scripts/bench.sh loop` (docs/benchmarks.md); node's own
// http module, no dependency.
//
// Usage: node http_loop.js --target HOST:PORT --kind sendsms|api
//   [--requests 20000] [--connections 50] [--username demo]
//   [--password demo1234] [--quiet-s 10] [--timeout-s 300]
//
// Waits for every report, or until none came for --quiet-s once every
// request was answered (a gateway that loses reports), or --timeout-s.
// Prints one JSON line: requests, answered, failed (non-2xx or errors)
// and failures (their count by status or socket error),
// reports (final ones received), missing (reports that never came),
// seconds (first request to last final report), msg_per_s (reports per
// second), req_per_s (requests answered per second of the sending),
// request latency p50/p99 in ms. Exits 1 when a request failed or a
// report is missing.

'use strict';

const http = require('http');
const { parseArgs } = require('util');

const { values: options } = parseArgs({
  options: {
    target: { type: 'string' },
    kind: { type: 'string', default: 'sendsms' },
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '50' },
    username: { type: 'string', default: 'demo' },
    password: { type: 'string', default: 'demo1234' },
    'quiet-s': { type: 'string', default: '10' },
    'timeout-s': { type: 'string', default: '300' },
  },
});

if (!options.target || !['sendsms', 'api'].includes(options.kind)) {
  console.error('usage: http_loop.js --target HOST:PORT --kind sendsms|api [--requests N] [--connections C]');
  process.exit(2);
}

const [host, port] = [options.target.replace(/:\d+$/, ''), Number(options.target.replace(/^.*:/, ''))];
const total = Number(options.requests);
const connections = Number(options.connections);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });

// Reports: Kannel's %d is 1 delivered, 2 failed (final); pasarela's JSON
// callbacks carry the final state. Each request's number `n` comes back
// in its report, so a report counted twice is not counted.
const reported = new Set();
let started = 0;
let lastReport = 0;
let done = null;

const reports = http.createServer((request, response) => {
  const respond = () => {
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    response.end('ok');
  };
  if (request.method === 'GET') {
    const url = new URL(request.url, 'http://localhost');
    const status = url.searchParams.get('s');
    if (status === '1' || status === '2') note(url.searchParams.get('n'));
    respond();
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      const url = new URL(request.url, 'http://localhost');
      if (body.event === 'receipt') note(url.searchParams.get('n'));
    } catch (_) {
      // Not a report: not counted.
    }
    respond();
  });
});

function note(n) {
  if (n === null || reported.has(n)) return;
  reported.add(n);
  lastReport = Date.now();
  if (reported.size === total && done) done();
}

const latencies = [];
let answered = 0;
let failed = 0;
// Failed requests by HTTP status or socket error.
const failures = {};
let lastAnswer = 0;

/**
 * The n-th destination: a Spanish mobile number whose last four digits
 * stay under 9000, clear of the SMSC simulators' fault numbers (…9990 to
 * …9999 are refused, answered 5 s late or fail), which would time the
 * loop by a deliberate delay instead of by the gateway.
 */
function destination(n) {
  const head = String(Math.floor(n / 9000) % 100000).padStart(5, '0');
  return `346${head}${String(n % 9000).padStart(4, '0')}`;
}

function send(n, reportPort) {
  const to = destination(n);
  const reportUrl = `http://127.0.0.1:${reportPort}/report?n=${n}`;
  let path;
  let method = 'GET';
  let body = null;
  const headers = {};
  if (options.kind === 'sendsms') {
    const query = new URLSearchParams({
      username: options.username,
      password: options.password,
      from: 'Shop',
      to,
      text: 'load test',
      'dlr-mask': '3',
      'dlr-url': `${reportUrl}&s=%d`,
    });
    path = `/cgi-bin/sendsms?${query}`;
  } else {
    method = 'POST';
    path = '/api/v1/messages';
    body = JSON.stringify({ to: `+${to}`, from: 'Shop', text: 'load test', callback_url: reportUrl });
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = Buffer.byteLength(body);
    headers.Authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }
  return new Promise((resolve) => {
    const begun = process.hrtime.bigint();
    const request = http.request({ host, port, path, method, headers, agent }, (response) => {
      response.resume();
      response.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - begun) / 1e6);
        if (response.statusCode >= 200 && response.statusCode < 300) answered += 1;
        else {
          failed += 1;
          failures[response.statusCode] = (failures[response.statusCode] || 0) + 1;
        }
        lastAnswer = Date.now();
        resolve();
      });
    });
    request.on('error', (error) => {
      failed += 1;
      failures[error.code] = (failures[error.code] || 0) + 1;
      resolve();
    });
    if (body) request.write(body);
    request.end();
  });
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

reports.keepAliveTimeout = 60000;
reports.listen(0, '127.0.0.1', async () => {
  const reportPort = reports.address().port;
  const allReported = new Promise((resolve) => { done = resolve; });
  const timeout = new Promise((resolve) => setTimeout(resolve, Number(options['timeout-s']) * 1000));
  const quiet = new Promise((resolve) => {
    const check = setInterval(() => {
      const since = Date.now() - Math.max(lastReport, lastAnswer);
      if (answered + failed === total && since > Number(options['quiet-s']) * 1000) {
        clearInterval(check);
        resolve();
      }
    }, 200);
  });
  started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const n = next;
      next += 1;
      await send(n, reportPort);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  await Promise.race([allReported, quiet, timeout]);
  latencies.sort((a, b) => a - b);
  const seconds = ((lastReport || Date.now()) - started) / 1000;
  const result = {
    kind: options.kind,
    requests: total,
    answered,
    failed,
    failures,
    reports: reported.size,
    missing: total - reported.size,
    seconds: Number(seconds.toFixed(3)),
    msg_per_s: Math.round(reported.size / seconds),
    req_per_s: Math.round(answered / ((lastAnswer - started) / 1000)),
    latency_p50_ms: Number(quantile(latencies, 0.5).toFixed(2)),
    latency_p99_ms: Number(quantile(latencies, 0.99).toFixed(2)),
  };
  console.log(JSON.stringify(result));
  agent.destroy();
  reports.close();
  process.exit(reported.size === total && failed === 0 ? 0 : 1);
});
