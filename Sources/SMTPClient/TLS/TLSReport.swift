#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// Why a certificate did not verify, in the words of `--tls-verify`'s report.
public enum CertificateProblem: Hashable, Sendable {
    case expired
    case notYetValid
    case selfSigned
    case nameMismatch(String)
    case unknownIssuer
    /// The server sent no certificate.
    case noCertificate
    /// The handshake ended before the certificate could be checked.
    case notChecked
}

/// What the handshake established, for the report after STARTTLS or on a TLS port.
public struct TLSReport: Sendable {
    public struct CertificateSummary: Sendable {
        public var subject: String
        public var issuer: String
        public var alternativeNames: [String]
        public var notValidBefore: Date
        public var notValidAfter: Date
    }

    public var protocolVersion: String
    /// The cipher suite the server chose (from its ServerHello), when it could be read.
    public var cipher: String?
    public var chain: [CertificateSummary]
    /// `nil`: trusted (the chain leads to a trusted root and the name matches).
    public var problem: CertificateProblem?
    public var serverName: String?
}
