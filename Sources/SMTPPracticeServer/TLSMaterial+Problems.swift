import Crypto
import _CryptoExtras
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import NIOSSL
import SwiftASN1
import X509

/// A certificate that fails a client's verification on purpose (`--cert-problem`), for one
/// reason only: the leaf is signed by the practice CA (made at start, in memory; its
/// certificate is what a client trusts with `--ca`), except where the problem is the issuer.
public enum CertificateFault: String, Hashable, Sendable, CaseIterable {
    /// Valid until yesterday.
    case expired
    /// Valid from tomorrow.
    case notYetValid = "not-yet-valid"
    /// For `wrong-name.invalid` only: not the host name, not localhost, not 127.0.0.1.
    case wrongName = "wrong-name"
    /// Signed by its own key, not by the practice CA.
    case selfSigned = "self-signed"
    /// Signed by a CA nobody is given (made at start and thrown away).
    case unknownCA = "unknown-ca"
    /// An RSA key of 1024 bits (clients that follow current rules want at least 2048).
    case weakKey = "weak-key"
}

extension TLSMaterial {
    /// The practice CA and a leaf for `hostname` with exactly `fault` wrong. The CA's
    /// certificate (PEM) is returned so that a client can trust it: then `fault` is the only
    /// reason the leaf fails.
    public static func faulty(_ fault: CertificateFault, hostname: String, now: Date = Date()) throws -> (material: TLSMaterial, authorityPEM: String) {
        let authorityKey = P256.Signing.PrivateKey()
        let authorityName = try DistinguishedName {
            CommonName("smtpsh practice CA")
            OrganizationName("smtpsh practice server")
        }
        let authority = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(authorityKey.publicKey),
            notValidBefore: now.addingTimeInterval(-86400 * 3), notValidAfter: now.addingTimeInterval(30 * 86400),
            issuer: authorityName, subject: authorityName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(authorityKey.publicKey))
            },
            issuerPrivateKey: .init(authorityKey))

        var notBefore = now.addingTimeInterval(-3600)
        var notAfter = now.addingTimeInterval(30 * 86400)
        var names: [GeneralName] = [
            .dnsName(hostname), .dnsName("localhost"),
            .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
        ]
        var subjectName = hostname
        var issuerKey = Certificate.PrivateKey(authorityKey)
        var issuer = authorityName
        let leafKey: Certificate.PrivateKey
        let keyDER: [UInt8]
        switch fault {
        case .weakKey:
            let rsa = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
            leafKey = .init(rsa)
            keyDER = Array(rsa.derRepresentation)
        default:
            let p256 = P256.Signing.PrivateKey()
            leafKey = .init(p256)
            keyDER = Array(p256.derRepresentation)
        }
        switch fault {
        case .expired:
            notBefore = now.addingTimeInterval(-31 * 86400)
            notAfter = now.addingTimeInterval(-86400)
        case .notYetValid:
            notBefore = now.addingTimeInterval(86400)
            notAfter = now.addingTimeInterval(31 * 86400)
        case .wrongName:
            subjectName = "wrong-name.invalid"
            names = [.dnsName("wrong-name.invalid")]
        case .selfSigned:
            issuerKey = leafKey
        case .unknownCA:
            let stranger = P256.Signing.PrivateKey()
            issuerKey = .init(stranger)
            issuer = try DistinguishedName {
                CommonName("unknown practice CA")
                OrganizationName("nobody you trust")
            }
        case .weakKey:
            break
        }
        let subject = try DistinguishedName {
            CommonName(subjectName)
            OrganizationName("smtpsh practice server")
        }
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: leafKey.publicKey,
            notValidBefore: notBefore, notValidAfter: notAfter,
                        // Every issuer key is P-256 (a self-signed leaf's own key is one too).
            issuer: fault == .selfSigned ? subject : issuer, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: issuerKey)
        var serializer = DER.Serializer()
        try serializer.serialize(leaf)
        var authoritySerializer = DER.Serializer()
        try authoritySerializer.serialize(authority)
        let privateKey = try NIOSSLPrivateKey(bytes: keyDER, format: .der)
        let material = TLSMaterial(
            certificateChain: [try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)],
            privateKey: privateKey,
            summary: "certificate with a problem on purpose: \(fault.rawValue) (\(fault.summary(hostname: hostname)))")
        return (material, try PEMDocument(type: "CERTIFICATE", derBytes: authoritySerializer.serializedBytes).pemString)
    }
}

extension CertificateFault {
    func summary(hostname: String) -> String {
        switch self {
        case .expired: "signed by the practice CA, expired yesterday"
        case .notYetValid: "signed by the practice CA, valid from tomorrow"
        case .wrongName: "signed by the practice CA, for wrong-name.invalid only"
        case .selfSigned: "self-signed for \(hostname)"
        case .unknownCA: "signed by a CA nobody is given"
        case .weakKey: "signed by the practice CA, RSA key of 1024 bits"
        }
    }
}
