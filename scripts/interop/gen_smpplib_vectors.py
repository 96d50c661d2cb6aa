#!/usr/bin/env python3
"""Generate golden SMPP PDU vectors with python-smpplib, a third-party codec.

Writes tests/vectors/smpplib.hex: one `[name]` section per PDU, the bytes as
hex. tests/smpp_vectors.rs decodes each with our codec, checks the fields it
expects (listed there, not here) and re-encodes to the same bytes. The tests
do not need Python; run this only to regenerate:

    pip install smpplib==2.2.4
    python3 scripts/interop/gen_smpplib_vectors.py

smpplib has no outbind, submit_multi, cancel_sm or replace_sm (nor their
responses); those come from tests/vectors/spec.hex, built from the spec
layouts by hand.
"""

import os
import sys

import smpplib
from smpplib import smpp

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "vectors", "smpplib.hex")

TEXT_160 = b"pasarela golden vector: 160 octets of GSM 7-bit-safe ASCII text, enough to fill one " \
           b"whole short message without concatenation. The quick brown fox jumps over it"
assert len(TEXT_160) == 160, len(TEXT_160)


def pdu(name, sequence, status=0, **fields):
    # A `sequence` keyword stops smpplib asking its (absent) client for one,
    # but is then not stored because the dummy client reports 0; set it again.
    p = smpp.make_pdu(name, sequence=sequence, **fields)
    p.sequence = sequence
    p.status = status
    return p.generate()


def vectors():
    bind = dict(system_id="pasarela", password="secret08", system_type="SUBMIT1",
                interface_version=0x34, addr_ton=1, addr_npi=1, address_range="")
    yield "bind_transmitter", pdu("bind_transmitter", 1, **bind)
    yield "bind_receiver", pdu("bind_receiver", 2, **dict(bind, address_range="^346"))
    yield "bind_transceiver", pdu("bind_transceiver", 3, **bind)
    yield "bind_transmitter_resp", pdu("bind_transmitter_resp", 1, system_id="SMSC",
                                       sc_interface_version=0x34)
    yield "bind_receiver_resp", pdu("bind_receiver_resp", 2, system_id="SMSC")
    yield "bind_transceiver_resp_error", pdu("bind_transceiver_resp", 3, status=0x0E)
    yield "unbind", pdu("unbind", 4)
    yield "unbind_resp", pdu("unbind_resp", 4)
    yield "enquire_link", pdu("enquire_link", 5)
    yield "enquire_link_resp", pdu("enquire_link_resp", 5)
    yield "generic_nack", pdu("generic_nack", 6, status=0x03)
    yield "submit_sm", pdu(
        "submit_sm", 7,
        service_type="", source_addr_ton=5, source_addr_npi=0, source_addr="Pasarela",
        dest_addr_ton=1, dest_addr_npi=1, destination_addr="34600123456",
        esm_class=0, protocol_id=0, priority_flag=1,
        schedule_delivery_time="", validity_period="000001000000000R",
        registered_delivery=1, replace_if_present_flag=0, data_coding=0,
        sm_default_msg_id=0, short_message=TEXT_160,
        user_message_reference=42, sar_msg_ref_num=0x1234, sar_total_segments=2,
        sar_segment_seqnum=1)
    yield "submit_sm_payload", pdu(
        "submit_sm", 8,
        service_type="CMT", source_addr_ton=1, source_addr_npi=1, source_addr="34911000000",
        dest_addr_ton=1, dest_addr_npi=1, destination_addr="34600123456",
        esm_class=0, protocol_id=0, priority_flag=0,
        schedule_delivery_time="", validity_period="", registered_delivery=0,
        replace_if_present_flag=0, data_coding=8, sm_default_msg_id=0,
        message_payload="¡Hola, señor!".encode("utf-16-be"))
    yield "submit_sm_resp", pdu("submit_sm_resp", 7, message_id="3E8A1F")
    yield "submit_sm_resp_error", pdu("submit_sm_resp", 8, status=0x45)
    yield "deliver_sm_receipt", pdu(
        "deliver_sm", 9,
        service_type="", source_addr_ton=1, source_addr_npi=1, source_addr="34600123456",
        dest_addr_ton=5, dest_addr_npi=0, destination_addr="Pasarela",
        esm_class=0x04, protocol_id=0, priority_flag=0,
        schedule_delivery_time="", validity_period="", registered_delivery=0,
        replace_if_present_flag=0, data_coding=0, sm_default_msg_id=0,
        short_message=b"id:3E8A1F sub:001 dlvrd:001 submit date:2403051430 "
                      b"done date:2403051431 stat:DELIVRD err:000 text:pasarela golden vec",
        message_state=2, receipted_message_id="3E8A1F",
        network_error_code=b"\x03\x00\x00")
    yield "deliver_sm_mo", pdu(
        "deliver_sm", 10,
        service_type="", source_addr_ton=1, source_addr_npi=1, source_addr="34600123456",
        dest_addr_ton=1, dest_addr_npi=1, destination_addr="7777",
        esm_class=0, protocol_id=0, priority_flag=0,
        schedule_delivery_time="", validity_period="", registered_delivery=0,
        replace_if_present_flag=0, data_coding=0, sm_default_msg_id=0,
        short_message=b"STOP", source_port=0x0B84, destination_port=0x23F0)
    yield "deliver_sm_resp", pdu("deliver_sm_resp", 9, message_id="")
    yield "data_sm", pdu(
        "data_sm", 11,
        service_type="WAP", source_addr_ton=1, source_addr_npi=1, source_addr="34911000000",
        dest_addr_ton=1, dest_addr_npi=1, destination_addr="34600123456",
        esm_class=0, registered_delivery=1, data_coding=4,
        source_port=9200, destination_port=2948, message_payload=b"\x01\x02\x03\x04wap")
    yield "data_sm_resp", pdu("data_sm_resp", 11, message_id="DS-1")
    yield "query_sm", pdu("query_sm", 12, message_id="3E8A1F", source_addr_ton=5,
                          source_addr_npi=0, source_addr="Pasarela")
    yield "query_sm_resp", pdu("query_sm_resp", 12, message_id="3E8A1F",
                               final_date="240305143100000+", message_state=2, error_code=0)
    yield "alert_notification", pdu("alert_notification", 13, source_addr_ton=1,
                                    source_addr_npi=1, source_addr="34600123456",
                                    esme_addr_ton=5, esme_addr_npi=0, esme_addr="Pasarela",
                                    ms_availability_status=0)


def main():
    lines = [
        "# Generated by scripts/interop/gen_smpplib_vectors.py with python smpplib %s."
        % getattr(smpplib, "__version__", "2.2.4"),
        "# Do not edit by hand; regenerate.",
    ]
    for name, data in vectors():
        lines.append("")
        lines.append("[%s]" % name)
        hexed = data.hex().upper()
        for i in range(0, len(hexed), 64):
            lines.append(" ".join(hexed[j:j + 2] for j in range(i, min(i + 64, len(hexed)), 2)))
    with open(OUT, "w") as out:
        out.write("\n".join(lines) + "\n")
    print("wrote %s" % os.path.relpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
