#!/usr/bin/env python3
"""Drives the smtpsh practice server with Python's smtplib, as a real client would, and
prints every reply it got as one JSON object on stdout.

    smtplib_client.py --port P --message FILE --from A --to B [--to C]
                      [--starttls] [--auth PLAIN|LOGIN|CRAM-MD5 --user U --password W]
                      [--mail-option SMTPUTF8] [--helo NAME]

The message file is sent as bytes with SMTP.data(), which dot-stuffs it (and adds CRLF
if it does not end with one). Replies are {"code": N, "text": "..."}; an exception that
ends the session is reported as "error" (the exit status stays 0 so the test sees it).
"""
import argparse
import json
import smtplib
import ssl
import sys


def reply(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return {"code": code, "text": text}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--message", required=True)
    parser.add_argument("--from", dest="sender", required=True)
    parser.add_argument("--to", action="append", required=True)
    parser.add_argument("--helo", default="client.example")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--auth")
    parser.add_argument("--user", default="student")
    parser.add_argument("--password", default="practice")
    parser.add_argument("--mail-option", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    with open(args.message, "rb") as f:
        message = f.read()

    result = {"rcpt": []}
    try:
        smtp = smtplib.SMTP(timeout=args.timeout)
        # SMTP(host) would remember the host for starttls(); connect() alone does not, and
        # calling connect() ourselves is the only way to see the greeting.
        smtp._host = "127.0.0.1"
        result["greeting"] = reply(*smtp.connect("127.0.0.1", args.port))
        smtp.local_hostname = args.helo
        result["ehlo"] = reply(*smtp.ehlo(args.helo))
        result["features"] = sorted(smtp.esmtp_features.keys())
        if args.starttls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the practice server's certificate is self-signed
            result["starttls"] = reply(*smtp.starttls(context=context))
            result["tls_version"] = smtp.sock.version()
            result["ehlo_after_tls"] = reply(*smtp.ehlo(args.helo))
            result["features_after_tls"] = sorted(smtp.esmtp_features.keys())
        if args.auth:
            smtp.user, smtp.password = args.user, args.password
            method = {"PLAIN": smtp.auth_plain, "LOGIN": smtp.auth_login, "CRAM-MD5": smtp.auth_cram_md5}[args.auth]
            try:
                result["auth"] = reply(*smtp.auth(args.auth, method))
            except smtplib.SMTPAuthenticationError as error:
                result["auth"] = reply(error.smtp_code, error.smtp_error)
                result["quit"] = reply(*smtp.quit())
                print(json.dumps(result))
                return
        result["mail"] = reply(*smtp.mail(args.sender, args.mail_option))
        for recipient in args.to:
            result["rcpt"].append(reply(*smtp.rcpt(recipient)))
        result["data"] = reply(*smtp.data(message))
        result["quit"] = reply(*smtp.quit())
    except smtplib.SMTPResponseException as error:
        result["error"] = "%s: %d %s" % (type(error).__name__, error.smtp_code, error.smtp_error.decode("utf-8", "replace"))
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        result["error"] = "%s: %s" % (type(error).__name__, error)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
