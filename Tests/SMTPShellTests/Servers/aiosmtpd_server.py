"""A real SMTP server that others wrote (aiosmtpd), for smtpsh's tests: STARTTLS required
before AUTH, AUTH PLAIN and LOGIN against one account, messages written to a directory.

    python3 aiosmtpd_server.py --cert CERT --key KEY --user U --password P --maildir DIR --port-file FILE

Listens on 127.0.0.1 on a free port, writes the port to --port-file, and runs until its
standard input closes (the test process ending closes it too)."""

import argparse
import asyncio
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.maildir, "message-%d.eml" % self.count)
        with open(path, "wb") as out:
            out.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))).encode())
            out.write(envelope.original_content or envelope.content)
        return "250 2.0.0 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.user.encode()
              and auth_data.password == args.password.encode())
        return AuthResult(success=ok)

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()

    controller = Controller(
        Handler(args.maildir), hostname="127.0.0.1", port=port, server_hostname="aiosmtpd.localhost",
        tls_context=context, require_starttls=True, authenticator=authenticator, auth_require_tls=True,
        auth_exclude_mechanism=["CRAM-MD5"],
    )
    controller.start()
    with open(args.port_file + ".tmp", "w") as out:
        out.write(str(port))
    os.rename(args.port_file + ".tmp", args.port_file)
    sys.stdin.read()  # until the test closes our standard input
    controller.stop()


if __name__ == "__main__":
    main()
