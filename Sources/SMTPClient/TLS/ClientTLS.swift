#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Locking
import Dispatch
import NIOCore
import NIOSSL
import SwiftASN1
import X509
import _CryptoExtras

/// Builds the client side of TLS and checks the server's certificate with
/// swift-certificates (RFC 5280 path building to the system's roots or `--ca`, and the
/// server's name), so that the report can say *why* a certificate is not trusted.
public final class ClientTLS: Sendable {
    public let options: ClientTLSOptions
    let context: NIOSSLContext
    let roots: CertificateStore
    /// The certificates of `--ca`: a server presenting one of them is trusted as it is
    /// (a self-signed test server's own certificate, pinned).
    let pinned: [Certificate]

    public init(options: ClientTLSOptions) throws(ConnectError) {
        self.options = options
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv1
        // Verification is smtpsh's own (below): it needs the chain even when it is wrong, and
        // it checks the name itself (NIOSSL's own check would end the connection on a name
        // mismatch even when the user did not ask for --tls-verify).
        configuration.certificateVerification = .noHostnameVerification
        if let certificate = options.clientCertificatePEM, let key = options.clientKeyPEM {
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            } catch {
                throw .tlsSetup(.clientCertificate(file: options.clientCertificateFile ?? "-"))
            }
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tlsSetup(.context("\(error)"))
        }
        if let pem = options.caPEM {
            do {
                let documents = try PEMDocument.parseMultiple(pemString: String(decoding: pem, as: UTF8.self))
                pinned = try documents.map { try Certificate(pemDocument: $0) }
                roots = CertificateStore(pinned)
            } catch {
                throw .tlsSetup(.trustedCertificates(file: options.caFile ?? "-"))
            }
        } else {
            roots = CertificateStore.systemTrustRoots
            pinned = []
        }
    }

    /// Reads the files of `--ca`, `--tls-cert` and `--tls-key` (with `read`, which bounds
    /// them) into `options`, before anything is sent: a file that is not what it should be is
    /// said at once, in plain words, not at the first STARTTLS, and not later as a
    /// certificate "not trusted here". Returns the problem, or `nil` when all is well.
    public static func load(_ options: inout ClientTLSOptions, read: (String) -> [UInt8]?) -> TLSFileProblem? {
        if let file = options.caFile {
            guard let bytes = read(file), let documents = try? PEMDocument.parseMultiple(pemString: String(decoding: bytes, as: UTF8.self)),
                !documents.isEmpty
            else { return .caNotPEM(file: file) }
            for document in documents where (try? Certificate(pemDocument: document)) == nil {
                return .caNotCertificate(file: file, label: document.discriminator)
            }
            options.caPEM = bytes
        }
        if let file = options.clientCertificateFile {
            guard let bytes = read(file), (try? NIOSSLCertificate.fromPEMBytes(bytes))?.isEmpty == false else {
                return .certificateNotPEM(file: file)
            }
            options.clientCertificatePEM = bytes
        }
        if let file = options.clientKeyFile {
            guard let bytes = read(file), (try? NIOSSLPrivateKey(bytes: bytes, format: .pem)) != nil else {
                return .keyNotPEM(file: file)
            }
            options.clientKeyPEM = bytes
        }
        return nil
    }

    /// A TLS handler for the host the user named (SNI unless it is an address), with the
    /// verification that records what it found in `verdict`.
    func makeHandler(host: String, verdict: VerdictBox) throws -> NIOSSLClientHandler {
        let name = options.serverName ?? host
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        let roots = self.roots
        let pinned = self.pinned
        let require = options.requireVerification
        return try NIOSSLClientHandler(
            context: context,
            serverHostname: isAddress ? nil : name,
            customVerificationCallback: { certificates, promise in
                let chain = certificates.compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
                verdict.setChain(chain)
                // An RSA key under 2048 bits: swift-certificates does not even read it.
                if let first = certificates.first, let bits = Self.weakRSAKeyBits(first) {
                    verdict.set(.weakKey(bits: bits))
                    promise.succeed(require ? .failed : .certificateVerified)
                    return
                }
                guard let leaf = chain.first else {
                    verdict.set(.noCertificate)
                    promise.succeed(require ? .failed : .certificateVerified)
                    return
                }
                Task {
                    let problem = await Self.verify(
                        leaf: leaf, intermediates: Array(chain.dropFirst()), roots: roots, pinned: pinned, name: name)
                    verdict.set(problem)
                    promise.succeed(problem != nil && require ? .failed : .certificateVerified)
                }
            }
        )
    }

    /// The size of the certificate's RSA key when it is under 2048 bits (what current rules,
    /// such as OpenSSL's default security level, refuse); `nil` for any other key.
    static func weakRSAKeyBits(_ certificate: NIOSSLCertificate) -> Int? {
        guard let spki = try? certificate.extractPublicKey().toSPKIBytes(),
            let key = try? _RSA.Signing.PublicKey(unsafeDERRepresentation: spki)
        else { return nil }
        return key.keySizeInBits < 2048 ? key.keySizeInBits : nil
    }

    static func verify(
        leaf: Certificate, intermediates: [Certificate], roots: CertificateStore, pinned: [Certificate], name: String
    ) async -> CertificateProblem? {
        let now = Date()
        if now > leaf.notValidAfter { return .expired }
        if now < leaf.notValidBefore { return .notYetValid }
        if pinned.contains(leaf) { return Self.matches(leaf, name: name) ? nil : .nameMismatch(name) }
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy(validationTime: now)
        }
        let result = await verifier.validate(leafCertificate: leaf, intermediates: CertificateStore(intermediates))
        guard case .validCertificate = result else {
            if leaf.subject == leaf.issuer { return .selfSigned }
            return .unknownIssuer
        }
        return Self.matches(leaf, name: name) ? nil : .nameMismatch(name)
    }

    /// RFC 6125: the name (or address) against the certificate's subject alternative names;
    /// `*.example.org` covers one label.
    static func matches(_ certificate: Certificate, name: String) -> Bool {
        let wanted = name.lowercased().trimming { $0 == "." }
        for alternative in alternativeNames(certificate) {
            let candidate = alternative.lowercased()
            if candidate == wanted { return true }
            if candidate.hasPrefix("*."), let dot = wanted.firstIndex(of: "."),
                wanted[wanted.index(after: dot)...] == candidate.dropFirst(2)
            {
                return true
            }
        }
        return false
    }

    static func alternativeNames(_ certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            switch name {
            case .dnsName(let text): return text
            case .ipAddress(let bytes):
                // inet_ntop's text: 192.0.2.1, ::1.
                let octets = Array(bytes.bytes)
                let family: Int32
                switch octets.count {
                case 4: family = AF_INET
                case 16: family = AF_INET6
                default: return nil
                }
                var text = [CChar](repeating: 0, count: 64)
                guard inet_ntop(family, octets, &text, socklen_t(text.count)) != nil else { return nil }
                return String(cString: text)
            default: return nil
            }
        }
    }

    static func summary(_ certificate: Certificate) -> TLSReport.CertificateSummary {
        TLSReport.CertificateSummary(
            subject: certificate.subject.description,
            issuer: certificate.issuer.description,
            alternativeNames: alternativeNames(certificate),
            notValidBefore: certificate.notValidBefore,
            notValidAfter: certificate.notValidAfter
        )
    }
}

/// Where the verification callback leaves what it found (it runs on the event loop, the
/// report is made after the handshake).
final class VerdictBox: Sendable {
    private struct Verdict {
        var chain: [Certificate] = []
        var problem: CertificateProblem?
        var checked = false
        var cipherName: String?
    }

    private let verdict = Locked(Verdict())

    func setCipher(_ name: String) {
        verdict.withLock { $0.cipherName = name }
    }

    var cipher: String? { verdict.withLock { $0.cipherName } }

    func setChain(_ chain: [Certificate]) {
        verdict.withLock { $0.chain = chain }
    }

    func set(_ problem: CertificateProblem?) {
        verdict.withLock {
            $0.problem = problem
            $0.checked = true
        }
    }

    var result: (chain: [Certificate], problem: CertificateProblem?, checked: Bool) {
        verdict.withLock { ($0.chain, $0.problem, $0.checked) }
    }
}

extension TLSVersion {
    var displayName: String {
        switch self {
        case .tlsv1: "TLS 1.0"
        case .tlsv11: "TLS 1.1"
        case .tlsv12: "TLS 1.2"
        case .tlsv13: "TLS 1.3"
        }
    }
}
