#!/usr/bin/env python3
"""Sends N single-part messages with python smpplib over one transceiver
bind, one at a time, and waits for receipts; prints one JSON line with the
acknowledged ids, refusals by status and receipts by id. The caller judges.

    smpplib_load.py HOST PORT SYSTEM_ID PASSWORD COUNT
"""
import json
import sys
import time

import smpplib.client
import smpplib.consts
import smpplib.exceptions


def main():
    host, port, system_id, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    count = int(sys.argv[5])
    result = {"acknowledged": [], "refused": {}, "receipts": {}}
    client = smpplib.client.Client(host, port, timeout=10)
    def sent(pdu):
        # smpplib calls this for refusals too, after the error handler.
        if pdu.status == 0 and pdu.message_id:
            result["acknowledged"].append(pdu.message_id.decode())

    client.set_message_sent_handler(sent)

    def refused(pdu):
        key = str(pdu.status)
        result["refused"][key] = result["refused"].get(key, 0) + 1

    client.error_pdu_handler = refused

    def received(pdu):
        words = pdu.short_message.decode("ascii", "replace").split(" ")
        fields = dict(word.split(":", 1) for word in words if ":" in word)
        result["receipts"][fields.get("id")] = fields.get("stat")

    client.set_message_received_handler(received)
    client.connect()
    client.bind_transceiver(system_id=system_id, password=password)
    for n in range(count):
        client.send_message(
            source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
            source_addr="Tienda",
            dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
            dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
            destination_addr="3460012%04d" % n,
            short_message=b"message %d" % n,
            registered_delivery=True,
        )
        client.read_once()  # its response
    deadline = time.time() + 30
    def answered():
        return len(result["acknowledged"]) + sum(result["refused"].values())

    while time.time() < deadline and (
        answered() < count or len(result["receipts"]) < len(result["acknowledged"])
    ):
        client.read_once()
    client.unbind()
    client.disconnect()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
