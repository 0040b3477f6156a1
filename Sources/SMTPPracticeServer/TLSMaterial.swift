import Crypto
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOSSL
import SwiftASN1
import X509

/// The practice server's certificate and key: generated at start (self-signed, in memory
/// only, never written to disk) unless the user gives PEM files.
public struct TLSMaterial: Sendable {
    public var certificateChain: [NIOSSLCertificate]
    public var privateKey: NIOSSLPrivateKey
    /// What the certificate says, for the log.
    public var summary: String

    public init(certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, summary: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.summary = summary
    }

    /// A self-signed certificate for `hostname`, `localhost`, 127.0.0.1 and ::1, valid from an
    /// hour ago for 30 days, with a fresh P-256 key.
    public static func selfSigned(hostname: String, now: Date = Date()) throws -> TLSMaterial {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName(hostname)
            OrganizationName("smtpsh practice server")
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(30 * 86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName(hostname),
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
                ])
            },
            issuerPrivateKey: .init(key)
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return TLSMaterial(
            certificateChain: [try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)],
            privateKey: try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der),
            summary: "self-signed certificate for \(hostname), localhost, 127.0.0.1 and ::1 (generated now, kept in memory)"
        )
    }

    /// Loads a PEM certificate chain and key.
    public static func load(certificateFile: String, keyFile: String) throws -> TLSMaterial {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw TLSMaterialError("cannot read the certificate \(certificateFile): \(error)")
        }
        guard !chain.isEmpty else { throw TLSMaterialError("no certificate in \(certificateFile)") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw TLSMaterialError("cannot read the private key \(keyFile): \(error)")
        }
        return TLSMaterial(certificateChain: chain, privateKey: key, summary: "certificate from \(certificateFile)")
    }

    func makeContext() throws -> NIOSSLContext {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        return try NIOSSLContext(configuration: configuration)
    }
}

public struct TLSMaterialError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
