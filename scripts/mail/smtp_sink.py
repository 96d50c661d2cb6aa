#!/usr/bin/env python3
"""A local SMTP server for the mail tests (tests/switch/mail.rs), on
aiosmtpd: `smtp_sink.py PORT DIR` accepts every mail on 127.0.0.1:PORT and
writes each to DIR as NNNN.eml, numbered in arrival order: a line
`X-Envelope-To: ADDRESSES` and then the message as received; and, before
it, NNNN.json: the envelope's recipients (`to`) and the subject and plain
text body decoded (RFC 2047 words, quoted-printable or base64; lines
ending in a bare newline), as a reader of the mail sees them. Each file is written under another name
and renamed, so a reader never sees half of one. Prints `ready` once it
listens; runs until killed."""

import email
import email.policy
import json
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, f"{self.count:04d}.eml")
        content = envelope.original_content or envelope.content
        message = email.message_from_bytes(content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        decoded = {
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "body": body.get_content().replace("\r\n", "\n") if body is not None else "",
        }
        decoded_path = os.path.join(self.directory, f"{self.count:04d}.json")
        with open(decoded_path + ".part", "w", encoding="utf-8") as out:
            json.dump(decoded, out, ensure_ascii=False)
        os.rename(decoded_path + ".part", decoded_path)
        with open(path + ".part", "wb") as out:
            out.write(f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode())
            out.write(content)
        os.rename(path + ".part", path)
        return "250 OK"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
