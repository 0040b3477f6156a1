import SMTPCatalog

/// Why a connection could not be made or went away. Each has a one-line message and an exit
/// status (Docs/exit-status.md).
public enum ConnectError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The DNS name does not exist (or has no address of the asked family).
    case nameNotFound(String)
    /// DNS could not be asked (no network, resolver failure).
    case dnsFailure(String, String)
    /// The domain has no MX record (nor an address to fall back on).
    case noMX(String)
    case refused(String)
    case unreachable(String, String)
    case timedOut(String, Double)
    /// Several addresses were tried and all failed; the last failure.
    case allFailed([ConnectError])
    case other(String)

    public var description: String {
        switch self {
        case .nameNotFound(let host): Words["connect-name-not-found", ["host": host]]
        case .dnsFailure(let host, let reason): Words["connect-dns-failure", ["host": host, "reason": reason]]
        case .noMX(let domain): Words["connect-no-mx", ["domain": domain]]
        case .refused(let address): Words["connect-refused", ["address": address]]
        case .unreachable(let address, let reason): Words["connect-unreachable", ["address": address, "reason": reason]]
        case .timedOut(let address, let seconds):
            Words["connect-timed-out", ["address": address, "seconds": Self.seconds(seconds)]]
        case .allFailed(let errors): errors.last.map { "\($0)" } ?? Words["connect-no-address"]
        case .other(let text): text
        }
    }

    /// The kind that decides the exit status.
    public var primary: ConnectError {
        if case .allFailed(let errors) = self, let last = errors.last { return last.primary }
        return self
    }

    /// A timeout as the messages show it, in the language of smtpsh's words (`30 s`, `30 秒`).
    static func seconds(_ value: Double) -> String {
        ReadableDuration.seconds(value, in: Words.language)
    }
}
