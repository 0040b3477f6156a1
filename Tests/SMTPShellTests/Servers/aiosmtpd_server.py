"""A real SMTP server that others wrote (aiosmtpd), for smtpsh's tests: STARTTLS required
before AUTH, AUTH PLAIN and LOGIN against one account, messages written to a directory.

    python3 aiosmtpd_server.py --cert CERT --key KEY --user U --password P --maildir DIR --port-file FILE

Listens on 127.0.0.1 on a free port, writes the port to --port-file, and runs until its
standard input closes (the test process ending closes it too).

Each accepted message is one file, message-N.eml (N = 1, 2, … in the order accepted), in
--maildir: exactly two CRLF-ended lines the server adds,

    X-Envelope-From: <MAIL FROM address>\r\n
    X-Envelope-To: <RCPT TO addresses, comma-separated>\r\n

then the message bytes exactly as aiosmtpd received them after the final dot is taken off
and dot-stuffing undone (envelope.original_content: CRLF line ends kept, the last line's
CRLF included, nothing decoded or re-encoded). Drop the first two lines to get the message
as the client sent it, byte for byte.

Two refusals, for the exit statuses of `smtpsh send`:
- RCPT TO an address whose local part is `reject` (any domain, any case), e.g.
  reject@example.org: `550 5.1.1 <reject@example.org>: no such user`; the recipient is not
  added to the envelope.
- a message with a line `X-Reject: yes` (the header name in any case) anywhere in it:
  `554 5.6.0 message refused by policy` after the final dot, and nothing is stored."""

import argparse
import asyncio
import os
import re
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


# A whole line `X-Reject: yes` (CRLF-ended, or the last bytes of the message).
REJECT_LINE = re.compile(rb"(?im)^x-reject:[ \t]*yes[ \t]*\r?$")


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # This hook replaces aiosmtpd's own acceptance: an accepted recipient is added here.
        if address.rpartition("@")[0].lower() == "reject":
            return "550 5.1.1 <%s>: no such user" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        if REJECT_LINE.search(content):
            return "554 5.6.0 message refused by policy"
        self.count += 1
        path = os.path.join(self.maildir, "message-%d.eml" % self.count)
        with open(path, "wb") as out:
            out.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))).encode())
            out.write(content)
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
