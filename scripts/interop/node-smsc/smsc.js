#!/usr/bin/env node
// An upstream SMSC built on node-smpp (`smpp.createServer`), an SMPP
// implementation nobody on pasarela wrote, for tests/upstream_node.rs.
//
// It accepts binds from one system_id/password (ESME_RINVSYSID or
// ESME_RINVPASWD otherwise), answers submit_sm with a message id, and
// after --dlr-delay-ms sends an SMPP 3.4 delivery receipt (deliver_sm,
// esm_class 0x04, the `id:... stat:...` text, receipted_message_id and
// message_state TLVs) to a receiver or transceiver bind. The id is written
// in --response-ids in submit_sm_resp and in --receipt-ids in the receipt,
// so the two may differ in base, case and padding as real SMSCs' do.
//
// Like a real SMSC it keeps what it accepted: every submit_sm is appended
// to --journal as it arrives, before its submit_sm_resp (sent
// --response-delay-ms later), and every receipt once its deliver_sm_resp
// came back. Restarted on the same journal (after a
// SIGKILL, say), it numbers on from the last id and sends the receipts it
// still owes. The journal (one JSON object per line) is also how a test
// counts what arrived: {"submit":{id,destination,text,run}} and
// {"receipted":id}, and {"start":run} at each start, `run` counting the
// starts on that journal.
//
// Outcome by the destination's last four digits (as pasarela sim-smsc):
// 9990 refused with ESME_RSUBMITFAIL, 9991 UNDELIV, 9993 EXPIRED,
// 9994 REJECTD, 9998 answered only after 5 s, anything else DELIVRD.
//
// Usage: node smsc.js --journal FILE [--port 0] [--system-id pasarela]
//   [--password secret] [--response-ids decimal] [--receipt-ids decimal]
//   [--first-id 3000000000] [--response-delay-ms 0] [--dlr-delay-ms 50]
// with ids one of decimal, decimal-padded, hex-lower, hex-upper, hex-padded.
//
// stdout, one line per event: `listening on 127.0.0.1:PORT`,
// `bound KIND SYSTEM_ID`, `bind refused SYSTEM_ID STATUS`.

'use strict';

const fs = require('fs');
const { parseArgs } = require('util');
const smpp = require('smpp');

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'system-id': { type: 'string', default: 'pasarela' },
    password: { type: 'string', default: 'secret' },
    'response-ids': { type: 'string', default: 'decimal' },
    'receipt-ids': { type: 'string', default: 'decimal' },
    'first-id': { type: 'string', default: '3000000000' },
    'response-delay-ms': { type: 'string', default: '0' },
    'dlr-delay-ms': { type: 'string', default: '50' },
    journal: { type: 'string' },
  },
});

/** How an id is written: base, case and padding. */
const ID_FORMATS = {
  decimal: (n) => n.toString(10),
  'decimal-padded': (n) => n.toString(10).padStart(12, '0'),
  'hex-lower': (n) => n.toString(16),
  'hex-upper': (n) => n.toString(16).toUpperCase(),
  'hex-padded': (n) => n.toString(16).toUpperCase().padStart(12, '0'),
};

/** stat word, message_state TLV (SMPP 3.4 §5.2.28) and err code by suffix. */
const OUTCOMES = {
  9991: { stat: 'UNDELIV', state: smpp.MESSAGE_STATE.UNDELIVERABLE, err: '001' },
  9993: { stat: 'EXPIRED', state: smpp.MESSAGE_STATE.EXPIRED, err: '000' },
  9994: { stat: 'REJECTD', state: smpp.MESSAGE_STATE.REJECTED, err: '002' },
};
const DELIVERED = { stat: 'DELIVRD', state: smpp.MESSAGE_STATE.DELIVERED, err: '000' };
const REFUSED_SUFFIX = '9990';
const SLOW_SUFFIX = '9998';
const SLOW_RESPONSE_MS = 5000;

function fail(message) {
  process.stderr.write(`node-smsc: ${message}\n`);
  process.exit(2);
}

function idFormat(name) {
  const format = ID_FORMATS[name];
  if (!format) {
    fail(`unknown id format ${name} (one of ${Object.keys(ID_FORMATS).join(', ')})`);
  }
  return format;
}

function milliseconds(name) {
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value < 0) {
    fail(`--${name} must be a whole number of milliseconds`);
  }
  return value;
}

if (!options.journal) {
  fail('--journal FILE is required (what this SMSC accepted survives a restart there)');
}
const responseId = idFormat(options['response-ids']);
const receiptId = idFormat(options['receipt-ids']);
const responseDelay = milliseconds('response-delay-ms');
const dlrDelay = milliseconds('dlr-delay-ms');

/** Accepted messages still owed a receipt, by numeric id. */
const owed = new Map();
/** Receipts waiting for a receiver bind. */
const waiting = [];
let nextId = Number(options['first-id']);
let run = 1;

// Read back what an earlier run accepted. A torn last line (killed while
// writing) is a submit that was never answered: the ESME sends it again.
if (fs.existsSync(options.journal)) {
  for (const line of fs.readFileSync(options.journal, 'utf8').split('\n')) {
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (record.start !== undefined) {
      run = record.start + 1;
    } else if (record.submit) {
      owed.set(record.submit.id, record.submit);
      nextId = Math.max(nextId, record.submit.id + 1);
    } else if (record.receipted !== undefined) {
      owed.delete(record.receipted);
    }
  }
}
const journal = fs.openSync(options.journal, 'a');

/** Appends one record; writeSync, so it is in the file before we answer. */
function record(entry) {
  fs.writeSync(journal, `${JSON.stringify(entry)}\n`);
}
record({ start: run });

/** The text of a submit_sm, however node-smpp decoded it. */
function textOf(pdu) {
  const body = pdu.message_payload || pdu.short_message;
  const message = body && body.message !== undefined ? body.message : body;
  return Buffer.isBuffer(message) ? message.toString('latin1') : String(message || '');
}

function smppDate(date) {
  const two = (n) => String(n).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes())
  );
}

function outcomeOf(destination) {
  return OUTCOMES[destination.slice(-4)] || DELIVERED;
}

/** Sessions bound as receiver or transceiver, taken in turn. */
const receivers = [];
let turn = 0;

function deliverReceipt(message) {
  if (receivers.length === 0) {
    waiting.push(message);
    return;
  }
  const session = receivers[turn++ % receivers.length];
  const outcome = outcomeOf(message.destination);
  const id = receiptId(message.id);
  const text =
    `id:${id} sub:001 dlvrd:${outcome.stat === 'DELIVRD' ? '001' : '000'} ` +
    `submit date:${smppDate(new Date(message.at))} done date:${smppDate(new Date())} ` +
    `stat:${outcome.stat} err:${outcome.err} text:${message.text.slice(0, 20)}`;
  session.outstanding.set(message.id, message);
  const sent = session.deliver_sm(
    {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: message.destination,
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: message.source,
      esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
      short_message: Buffer.from(text, 'ascii'),
      receipted_message_id: id,
      message_state: outcome.state,
    },
    (resp) => {
      session.outstanding.delete(message.id);
      if (resp.command_status === smpp.ESME_ROK) {
        record({ receipted: message.id });
        owed.delete(message.id);
      } else {
        setTimeout(() => deliverReceipt(message), dlrDelay);
      }
    },
  );
  if (!sent) {
    session.outstanding.delete(message.id);
    waiting.push(message);
  }
}

/**
 * Takes a submit_sm: journaled at once, answered --response-delay-ms later
 * (5 s for a destination ending 9998). If the connection is gone by then,
 * the answer is lost but the message was taken: the ESME will send it
 * again, and the handset gets it twice, as with any real SMSC.
 */
function takeSubmit(session, pdu) {
  const destination = pdu.destination_addr;
  if (destination.endsWith(REFUSED_SUFFIX)) {
    session.send(pdu.response({ command_status: smpp.ESME_RSUBMITFAIL }));
    return;
  }
  const message = {
    id: nextId++,
    destination,
    source: pdu.source_addr,
    text: textOf(pdu),
    at: Date.now(),
    run,
  };
  record({ submit: message });
  owed.set(message.id, message);
  const delay = destination.endsWith(SLOW_SUFFIX) ? SLOW_RESPONSE_MS : responseDelay;
  setTimeout(() => {
    session.send(pdu.response({ message_id: responseId(message.id) }));
    setTimeout(() => deliverReceipt(message), dlrDelay);
  }, delay);
}

function bindHandler(session, kind) {
  return (pdu) => {
    let status = smpp.ESME_ROK;
    if (pdu.system_id !== options['system-id']) {
      status = smpp.ESME_RINVSYSID;
    } else if (pdu.password !== options.password) {
      status = smpp.ESME_RINVPASWD;
    }
    session.send(pdu.response({ command_status: status, system_id: 'node-smsc' }));
    if (status !== smpp.ESME_ROK) {
      console.log(`bind refused ${pdu.system_id} ${status}`);
      session.close();
      return;
    }
    session.bound = kind;
    console.log(`bound ${kind} ${pdu.system_id}`);
    if (kind !== 'transmitter') {
      receivers.push(session);
      waiting.splice(0).forEach(deliverReceipt);
    }
  };
}

const server = smpp.createServer((session) => {
  session.outstanding = new Map();
  session.on('error', () => session.destroy());
  session.on('close', () => {
    const index = receivers.indexOf(session);
    if (index >= 0) {
      receivers.splice(index, 1);
    }
    // Receipts sent but not acknowledged go out again on the next bind.
    for (const message of session.outstanding.values()) {
      deliverReceipt(message);
    }
    session.outstanding.clear();
  });
  session.on('bind_transmitter', bindHandler(session, 'transmitter'));
  session.on('bind_receiver', bindHandler(session, 'receiver'));
  session.on('bind_transceiver', bindHandler(session, 'transceiver'));
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    if (session.bound !== 'transmitter' && session.bound !== 'transceiver') {
      session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    takeSubmit(session, pdu);
  });
  session.on('pdu', (pdu) => {
    if (!pdu.isResponse() && session.listenerCount(pdu.command) === 0) {
      session.send(pdu.response({ command_status: smpp.ESME_RINVCMDID }));
    }
  });
});

server.on('error', (error) => fail(`cannot listen: ${error.message}`));
server.listen(Number(options.port), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
  // What an earlier run accepted and did not receipt yet.
  for (const message of owed.values()) {
    waiting.push(message);
  }
});
