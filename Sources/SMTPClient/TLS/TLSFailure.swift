import Dispatch
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SMTPCore

/// Why TLS could not be set up, or broke (exit status 7; 8 for a certificate --tls-verify
/// refused). Typed: the presentation words it.
public struct TLSFailure: Sendable {
    public enum Kind: Hashable, Sendable {
        /// The handshake failed; the TLS stack's reason code when there is one
        /// (`TLSV1_ALERT_INTERNAL_ERROR`).
        case handshake(reasonCode: String?)
        /// The server answered in clear: no TLS on that port.
        case notTLS
        /// The server closed without ending TLS properly.
        case uncleanShutdown
        /// The certificate did not verify and `--tls-verify` refused it.
        case certificateRefused(CertificateProblem)
        /// Bytes sent in clear after STARTTLS's 220, which would be read as if under TLS
        /// (CVE-2011-0411): dropped, and the connection closed.
        case injection(octets: Int)
        /// STARTTLS without a TLS set-up.
        case notConfigured
        /// The TLS set-up could not be made.
        case setup(ConnectError)
        /// The TLS handler could not be put on the connection (the library's reason).
        case pipeline(String)
    }

    public var kind: Kind
    /// With `certificateRefused`: the server's certificate (for the message and its fix).
    public var certificate: TLSReport.CertificateSummary?

    public init(_ kind: Kind, certificate: TLSReport.CertificateSummary? = nil) {
        self.kind = kind
        self.certificate = certificate
    }

    /// The certificate did not verify and `--tls-verify` asked for it to (exit status 8).
    public var verification: Bool {
        if case .certificateRefused = kind { return true }
        return false
    }
}
