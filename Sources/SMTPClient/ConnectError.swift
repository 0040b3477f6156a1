/// Why a connection could not be made or went away. Typed: the words are the
/// presentation's (each case has its message in the user's language, and an exit status,
/// Docs/exit-status.md).
public enum ConnectError: Error, Hashable, Sendable {
    /// The DNS name does not exist (or has no address of the family asked for).
    case nameNotFound(String, family: AddressFamilyPreference = .any)
    /// DNS could not be asked, or did not answer (the name, and why).
    case dnsFailure(String, DNSError)
    /// The system's resolver failed (getaddrinfo's reason, as the system words it).
    case resolverFailure(String, reason: String)
    /// RFC 7505: the domain's only MX is the null MX: it accepts no mail.
    case nullMX(String)
    case refused(String)
    /// The address cannot be reached (the system's reason).
    case unreachable(String, String)
    case timedOut(String, Double)
    /// Any other failure to connect (the system's reason).
    case connectFailed(String, reason: String)
    /// TLS could not be set up before connecting (`--tls`).
    case tlsSetup(TLSSetupProblem)
    /// Several addresses were tried and all failed; the last failure.
    case allFailed([ConnectError])
    /// `--proxy`: the proxy itself could not be reached (how it failed).
    indirect case proxyUnreachable(String, ConnectError)
    /// `--proxy`: the proxy did not open the way to the server (`target`): why, or `nil` when
    /// it did not answer in time.
    case proxyFailed(String, target: String, ProxyFailure?)
    /// `--proxy-protocol`: the header could not name both ends (``ProxyProtocolHeader/Problem``).
    case proxyProtocol(ProxyProtocolHeader.Problem)

    /// The kind that decides the exit status.
    public var primary: ConnectError {
        if case .allFailed(let errors) = self, let last = errors.last { return last.primary }
        return self
    }
}

/// Why the TLS set-up could not be made (the files were checked at start: this is rare).
public enum TLSSetupProblem: Hashable, Sendable {
    case clientCertificate(file: String)
    case context(String)
    case trustedCertificates(file: String)
}

/// A file of `--ca`, `--tls-cert` or `--tls-key` that is not what it should be.
public enum TLSFileProblem: Hashable, Sendable {
    case caNotPEM(file: String)
    case caNotCertificate(file: String, label: String)
    case certificateNotPEM(file: String)
    case keyNotPEM(file: String)
}
