import NIOCore
import SMTPCatalog
import SMTPClient
import SMTPCore

// The words for what the client reports, typed (SMTPClient words nothing): each becomes a
// catalogue message, by name, with its parameters (`--json`'s `id` is the name).

extension ClientNotice {
    /// What the presentation shows and `--json` writes: the stable id, the parameters, the
    /// text in the user's language.
    var remark: Remark {
        let message = self.message
        let text = if case .advice(let advice) = self { AdviceText.text(advice) } else { message.text }
        return Remark(severity, id: id, parameters: message.parameters, text: text)
    }

    /// The message that says it (for advice, without the likely reply that ``remark`` adds).
    var message: CatalogMessage {
        switch self {
        case .advice(let advice): AdviceText.message(advice)
        case .violation(let violation): violation.message
        case .unsolicitedReply: CatalogMessage("session-unsolicited-reply")
        case .unexpectedCode(let code, let pending):
            CatalogMessage("session-unexpected-code", ["code": "\(code)", "command": PendingName.of(pending)])
        case .notAReply: CatalogMessage("session-not-a-reply")
        case .unfinishedLine: CatalogMessage("session-unfinished-line")
        case .endlessLine(let length): CatalogMessage("session-endless-line", ["length": String(length)])
        case .linesNotSent(let count): CatalogMessage("session-lines-not-sent", ["count": String(count)])
        case .linesAfterEndNotSent(let count): CatalogMessage("session-lines-after-end-not-sent", ["count": String(count)])
        case .dataRefusedLinesDropped: CatalogMessage("session-data-refused-lines-dropped")
        case .authEndedLinesDropped: CatalogMessage("session-auth-ended-lines-dropped")
        case .chunkOverflow(let sent, let unsent, let text):
            CatalogMessage("session-chunk-overflow", ["size": String(sent), "octets": String(unsent), "text": VisibleText.escape(text)])
        case .queueDropped(let count, let lines):
            CatalogMessage(count > lines.count ? "session-queue-dropped-more" : "session-queue-dropped", [
                "count": String(count), "lines": lines.map(VisibleText.escape).joined(separator: ", "), "more": String(count - lines.count),
            ])
        case .replyTimedOut(let pending, let seconds):
            CatalogMessage("session-reply-timed-out", ["what": PendingName.of(pending), "seconds": ConnectWords.seconds(seconds)])
        case .replyNeverEnds(let pending, let seconds):
            CatalogMessage("session-reply-never-ends", ["what": PendingName.of(pending), "seconds": ConnectWords.seconds(seconds)])
        case .serverNotReading(let seconds): CatalogMessage("session-server-not-reading", ["seconds": ConnectWords.seconds(seconds)])
        case .connectionLost(let reason): CatalogMessage("session-connection-lost", ["reason": reason])
        case .greetingTimeoutTLSHint: CatalogMessage("session-greeting-timeout-tls")
        case .chunkFollows(let size): CatalogMessage("session-chunk-follows", ["size": String(size)])
        case .messageMoreLines(let count, let octets):
            CatalogMessage("session-message-more-lines", ["count": String(count), "octets": String(octets)])
        case .chunkMoreLines(let count): CatalogMessage("session-chunk-more-lines", ["count": String(count)])
        case .rawMoreLines(let count, let octets):
            CatalogMessage("session-raw-more-lines", ["count": String(count), "octets": String(octets)])
        case .rawBytes(let octets, let oddities, let unterminated):
            CatalogMessage("session-raw-bytes", ["octets": String(octets), "details": RawBytesWords.details(oddities, unterminated: unterminated)])
        case .replyBeyondRawLines: CatalogMessage("session-reply-beyond-raw-lines")
        case .xclientAccepted: CatalogMessage("session-xclient-accepted")
        case .tlsStarting: CatalogMessage("tls-starting")
        case .sendEHLOAgain: CatalogMessage("tls-ehlo-again")
        case .closedByServer: CatalogMessage("session-closed-by-server")
        case .closedLocally: CatalogMessage("session-closed-locally")
        case .deliveryFor(let recipient): CatalogMessage("lmtp-delivery-for", ["recipient": VisibleText.escape(recipient)])
        case .deliveriesCounted(let delivered, let total):
            CatalogMessage(delivered == total ? "lmtp-all-delivered" : "lmtp-not-all-delivered", [
                "delivered": String(delivered), "count": String(total), "refused": String(total - delivered),
            ])
        }
    }
}

extension ProtocolViolation {
    var message: CatalogMessage {
        switch self {
        case .codeChanged(let from, let to, let line):
            CatalogMessage("violation-code-changed", ["line": String(line + 1), "code": "\(to)", "first": "\(from)"])
        case .lineWithoutCode(let line): CatalogMessage("violation-line-without-code", ["line": String(line + 1)])
        case .lineTooLong(_, let length): CatalogMessage("violation-line-too-long", ["length": String(length)])
        case .tooManyLines(let count): CatalogMessage("violation-too-many-lines", ["count": String(count)])
        case .bareLineFeed: CatalogMessage("violation-bare-lf")
        }
    }
}

/// How a pending item is named in messages ("RCPT", "the greeting").
enum PendingName {
    static func of(_ pending: SessionStateMachine.Pending?) -> String {
        switch pending {
        case nil: Words["pending-server"]
        case .greeting?: Words["pending-greeting"]
        case .command(let command)?: command.verb
        case .endOfData?: Words["pending-end-of-data"]
        case .delivery(let recipient)?: Words["pending-delivery", ["recipient": VisibleText.escape(recipient.description)]]
        case .saslResponse?: Words["pending-auth-response"]
        }
    }

    /// What a line typed now waits for, named.
    static func of(_ awaited: ClientStateMachine.Awaited) -> String {
        switch awaited {
        case .reply(let pending): of(pending)
        case .tls: "TLS"
        case .server: Words["pending-server"]
        }
    }
}

/// What raw bytes hold that SMTP would not send, worded for the warning that goes with them.
enum RawBytesWords {
    static func details(_ oddities: EscapedBytes.Oddities, unterminated: Int) -> String {
        var parts: [String] = []
        if oddities.bareLineFeeds > 0 { parts.append(Words["raw-bare-lf", ["count": String(oddities.bareLineFeeds)]]) }
        if oddities.bareCarriageReturns > 0 { parts.append(Words["raw-bare-cr", ["count": String(oddities.bareCarriageReturns)]]) }
        if oddities.nulBytes > 0 { parts.append(Words["raw-nul", ["count": String(oddities.nulBytes)]]) }
        if unterminated > 0 { parts.append(Words["raw-unterminated", ["octets": String(unterminated)]]) }
        return parts.map { Words["raw-detail", ["detail": $0]] }.joined()
    }
}

enum ConnectWords {
    /// A timeout as messages show it, in the language of smtpsh's words (`30 s`, `30 秒`).
    static func seconds(_ value: Double) -> String {
        ReadableDuration.seconds(value, in: Words.language)
    }
}

extension ConnectError {
    var message: CatalogMessage {
        switch self {
        case .nameNotFound(let host, let family):
            CatalogMessage("connect-name-not-found", ["host": host + (family == .ipv4 ? " (IPv4)" : family == .ipv6 ? " (IPv6)" : "")])
        case .dnsFailure(let host, let error): CatalogMessage("connect-dns-failure", ["host": host, "reason": error.message.text])
        case .resolverFailure(let host, let reason): CatalogMessage("connect-dns-failure", ["host": host, "reason": reason])
        case .nullMX(let domain): CatalogMessage("connect-null-mx", ["domain": domain])
        case .refused(let address): CatalogMessage(address.hasPrefix("unix:") ? "connect-refused-unix" : "connect-refused", ["address": address])
        case .unreachable(let address, let reason): CatalogMessage("connect-unreachable", ["address": address, "reason": reason])
        case .timedOut(let address, let seconds): CatalogMessage("connect-timed-out", ["address": address, "seconds": ConnectWords.seconds(seconds)])
        case .connectFailed(let address, let reason): CatalogMessage("connect-failed", ["address": address, "reason": reason])
        case .tlsSetup(let problem): problem.message
        case .allFailed(let errors): errors.last?.message ?? CatalogMessage("connect-no-address")
        case .proxyUnreachable, .proxyFailed: proxyMessage ?? CatalogMessage("connect-no-address")
        case .proxyProtocol(.mixedFamilies(let source, let destination)):
            CatalogMessage("proxy-protocol-mixed-families", ["source": source, "destination": destination])
        case .proxyProtocol(.noAddress(let claimed)): CatalogMessage("proxy-protocol-no-address", ["claimed": claimed])
        }
    }

    /// The message in the user's language.
    var text: String { message.text }
}

extension DNSError {
    var message: CatalogMessage {
        switch self {
        case .invalidName(let name): CatalogMessage("dns-invalid-name", ["name": VisibleText.escape(name)])
        case .malformed(let reason): CatalogMessage("dns-malformed", ["reason": reason])
        case .timedOut(let server): CatalogMessage("dns-timed-out", ["server": server])
        case .refused(let server): CatalogMessage("dns-refused", ["server": server])
        case .noServer: CatalogMessage("dns-no-server")
        case .noSocket(let server): CatalogMessage("dns-no-socket", ["server": server])
        case .serverError(let code): CatalogMessage("dns-server-error", ["code": String(code)])
        case .noAddressRecords: CatalogMessage("dns-no-address-records")
        }
    }
}

extension AddressError {
    var message: CatalogMessage {
        switch self {
        case .missingBracket(let text): CatalogMessage("address-missing-bracket", ["text": text])
        case .portAfterBracket(let text): CatalogMessage("address-port-after-bracket", ["text": text])
        case .malformed(let text): CatalogMessage("address-malformed", ["text": text])
        case .portTwice(let text, let port): CatalogMessage("address-port-twice", ["text": text, "port": port])
        case .noHost(let text): CatalogMessage("address-no-host", ["text": text])
        case .notAHost(let host): CatalogMessage("address-not-a-host", ["host": host])
        case .badPort(let port): CatalogMessage("address-bad-port", ["port": port])
        case .dnsServer(let text): CatalogMessage("address-dns-server", ["text": text])
        case .portWithUnixSocket(let text, let port): CatalogMessage("address-unix-port", ["text": text, "port": port])
        case .unixPathTooLong(let path, let limit):
            CatalogMessage("address-unix-path-too-long", ["path": VisibleText.escape(path), "limit": String(limit)])
        }
    }

    var text: String { message.text }
}

extension TLSSetupProblem {
    var message: CatalogMessage {
        switch self {
        case .clientCertificate(let file): CatalogMessage("tls-client-certificate", ["error": file])
        case .context(let reason): CatalogMessage("tls-context", ["error": reason])
        case .trustedCertificates(let file): CatalogMessage("tls-ca-not-pem", ["file": file])
        }
    }
}

extension TLSFileProblem {
    var message: CatalogMessage {
        switch self {
        case .caNotPEM(let file): CatalogMessage("tls-ca-not-pem", ["file": file])
        case .caNotCertificate(let file, let label): CatalogMessage("tls-ca-not-certificate", ["file": file, "label": label])
        case .certificateNotPEM(let file): CatalogMessage("tls-cert-not-pem", ["file": file])
        case .keyNotPEM(let file): CatalogMessage("tls-key-not-pem", ["file": file])
        }
    }
}

extension TLSFailure {
    /// The one line that says why TLS failed: what failed, who must act, the fix; never a
    /// library's error text or a build path.
    var message: CatalogMessage {
        switch kind {
        case .notTLS: CatalogMessage("tls-not-tls")
        case .uncleanShutdown: CatalogMessage("tls-unclean-shutdown")
        case .handshake(let code): CatalogMessage("tls-handshake-failed", ["reason": TLSFailure.reason(code)])
        case .certificateRefused(let problem): CatalogMessage("tls-certificate-refused", ["reason": TLSReportText.problem(problem)])
        case .injection(let octets): CatalogMessage("tls-injection", ["count": String(octets)])
        case .notConfigured: CatalogMessage("tls-not-configured")
        case .setup(let error): error.message
        case .pipeline(let reason): CatalogMessage("tls-handshake-failed", ["reason": reason])
        }
    }

    /// The words for a TLS stack's reason code (an alert the server sent, mostly).
    static func reason(_ code: String?) -> String {
        guard let code else { return Words["tls-reason-other"] }
        let name: String
        switch code {
        case "TLSV1_ALERT_INTERNAL_ERROR":
            name = "tls-reason-internal-error"
        case "SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_SHARED_CIPHER", "NO_SHARED_GROUP", "NO_CIPHERS_AVAILABLE", "NO_COMMON_SIGNATURE_ALGORITHMS":
            name = "tls-reason-nothing-shared"
        case "TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL":
            name = "tls-reason-protocol-version"
        case "TLSV1_ALERT_UNRECOGNIZED_NAME", "TLSV1_UNRECOGNIZED_NAME":
            name = "tls-reason-unrecognized-name"
        case "TLSV1_CERTIFICATE_REQUIRED", "TLSV1_ALERT_CERTIFICATE_REQUIRED", "PEER_DID_NOT_RETURN_A_CERTIFICATE":
            name = "tls-reason-certificate-required"
        case "SSLV3_ALERT_BAD_CERTIFICATE", "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
            "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "SSLV3_ALERT_CERTIFICATE_EXPIRED", "SSLV3_ALERT_CERTIFICATE_REVOKED":
            name = "tls-reason-client-certificate-refused"
        case "TLSV1_ALERT_ACCESS_DENIED":
            name = "tls-reason-access-denied"
        case "TLSV1_ALERT_DECODE_ERROR", "TLSV1_ALERT_DECRYPT_ERROR", "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "BAD_DECRYPT",
            "SSLV3_ALERT_BAD_RECORD_MAC", "DECODE_ERROR":
            name = "tls-reason-corrupted"
        case "UNEXPECTED_RECORD", "UNEXPECTED_MESSAGE", "SSLV3_ALERT_UNEXPECTED_MESSAGE", "TLSV1_ALERT_ILLEGAL_PARAMETER",
            "EXCESSIVE_MESSAGE_SIZE", "RECORD_TOO_LARGE":
            name = "tls-reason-unexpected"
        case "CERTIFICATE_VERIFY_FAILED":
            name = "tls-reason-certificate"
        default:
            // A code smtpsh has no words for: said as it is, without the library's path.
            return code.lowercased().replacing("_", with: " ")
        }
        return Words[name]
    }
}
