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

/// How the client speaks TLS: `--tls-verify`, `--sni`, `--ca`, a client certificate.
public struct ClientTLSOptions: Sendable {
    /// Fail the connection when the server's certificate does not verify (otherwise: report
    /// it and carry on, as a test tool should).
    public var requireVerification = false
    /// The name sent in SNI and checked against the certificate (default: the host given).
    public var serverName: String?
    /// PEM file of trusted roots, instead of the system's.
    public var caFile: String?
    /// PEM certificate chain and key to present to the server.
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    /// The files' contents, read once when the command line is read (``ClientTLS/load(_:read:)``):
    /// a pipe (`--ca <(…)`) can be read only once, and a bad file is said before connecting.
    public var caPEM: [UInt8]?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?

    public init() {}
}
