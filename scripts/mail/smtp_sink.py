#!/usr/bin/env python3
"""A local SMTP server for the mail tests (tests/switch/mail.rs), on
aiosmtpd: `smtp_sink.py PORT DIR` accepts every mail on 127.0.0.1:PORT and
writes each to DIR as NNNN.eml, numbered in arrival order: a line
`X-Envelope-To: ADDRESSES` and then the message as received. The file is
written under another name and renamed, so a reader never sees half of
one. Prints `ready` once it listens; runs until killed."""

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
        with open(path + ".part", "wb") as out:
            out.write(f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode())
            out.write(envelope.original_content or envelope.content)
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
