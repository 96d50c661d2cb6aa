#!/usr/bin/env python3
"""An ESME written with python smpplib (a library nobody here wrote) against a
running pasarela: a wrong password must get ESME_RINVPASWD; then a GSM-7, a
UCS-2 and a 3-part concatenated message, each with registered_delivery, must
all be acknowledged and all come back as DELIVRD receipts whose ids are the
ids of the acknowledgements.

    smpplib_esme.py HOST PORT SYSTEM_ID PASSWORD [CA_FILE]

With CA_FILE it talks SMPP over TLS, trusting that CA and checking the
certificate against HOST.

Prints one JSON line and exits 0 when everything held, 1 otherwise.
"""
import json
import ssl
import sys
import time

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm


def new_client(host, port, ca_file):
    """An smpplib client, over TLS when ca_file is given."""
    context = None
    if ca_file:
        context = ssl.create_default_context(cafile=ca_file)
        # smpplib wraps its socket without a server name: give it HOST, so
        # the certificate is checked against it, not only against the CA.
        wrap = context.wrap_socket
        context.wrap_socket = lambda sock, **kw: wrap(sock, server_hostname=host, **kw)
    return smpplib.client.Client(host, port, timeout=10, ssl_context=context)


def main():
    host, port, system_id, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ca_file = sys.argv[5] if len(sys.argv) > 5 else None
    result = {"wrong_password_status": None, "acknowledged": [], "receipts": {}, "tls": bool(ca_file)}

    bad = new_client(host, port, ca_file)
    bad.connect()
    try:
        bad.bind_transceiver(system_id=system_id, password="wrong")
    except smpplib.exceptions.PDUError as error:
        result["wrong_password_status"] = error.args[1]
    bad.disconnect()

    client = new_client(host, port, ca_file)
    client.set_message_sent_handler(
        lambda pdu: result["acknowledged"].append(pdu.message_id.decode())
    )

    def received(pdu):
        text = pdu.short_message.decode("ascii", "replace")
        fields = dict(
            word.split(":", 1) for word in text.replace("submit date", "submit_date")
            .replace("done date", "done_date").split(" ") if ":" in word
        )
        result["receipts"][fields.get("id")] = fields.get("stat")

    client.set_message_received_handler(received)
    client.connect()
    client.bind_transceiver(system_id=system_id, password=password)
    texts = [
        "Hola, mañana a las 10: ¿vienes? ¡Sí! Cuesta 5€",
        "Γειά σου κόσμε 👋 привет",
        "Una oferta larga: " + "abcdefghij" * 40,
    ]
    sent_parts = 0
    for text in texts:
        parts, encoding, esm_class = smpplib.gsm.make_parts(text)
        for part in parts:
            client.send_message(
                source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
                source_addr="Tienda",
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                destination_addr="34600123456",
                short_message=part,
                data_coding=encoding,
                esm_class=esm_class,
                registered_delivery=True,
            )
            sent_parts += 1
    result["parts_sent"] = sent_parts
    deadline = time.time() + 20
    while time.time() < deadline and len(result["receipts"]) < sent_parts:
        client.read_once()
    client.unbind()
    client.disconnect()

    ok = (
        result["wrong_password_status"] == smpplib.consts.SMPP_ESME_RINVPASWD
        and sent_parts == 5
        and len(result["acknowledged"]) == sent_parts
        and sorted(result["receipts"]) == sorted(result["acknowledged"])
        and all(stat == "DELIVRD" for stat in result["receipts"].values())
    )
    result["ok"] = ok
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
