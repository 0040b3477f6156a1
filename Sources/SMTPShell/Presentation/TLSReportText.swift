#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCatalog
import SMTPClient
import SMTPCore

/// The report after a TLS handshake, in the user's language:
///
/// ```
/// === TLS 1.3 established with mail.example.org
/// === cipher: TLS_AES_128_GCM_SHA256
/// === certificate: CN=mail.example.org, issued by CN=R11,O=Let's Encrypt,C=US
/// === names: mail.example.org, smtp.example.org; valid from 2026-10-01 to 2026-12-30
/// === chain length: 2; verification: trusted
/// ```
enum TLSReportText {
    static func lines(_ report: TLSReport, wholeChain: Bool = false) -> [String] {
        // Everything from the certificate is the server's text: escaped, never raw on a terminal.
        let e = VisibleText.escape
        var lines = [Words["tls-established", ["version": report.protocolVersion, "server": e(report.serverName ?? "?")]]]
        if let cipher = report.cipher { lines.append(Words["tls-cipher", ["cipher": e(cipher)]]) }
        if let leaf = report.chain.first {
            lines.append(Words["tls-certificate", ["subject": e(leaf.subject), "issuer": e(leaf.issuer)]])
            lines.append(Words["tls-names-validity", [
                "names": leaf.alternativeNames.isEmpty ? "-" : leaf.alternativeNames.map(e).joined(separator: ", "),
                "from": day(leaf.notValidBefore), "until": day(leaf.notValidAfter),
            ]])
        }
        let verification = report.problem.map { Words["tls-verification-failed", ["reason": problem($0)]] } ?? Words["tls-verification-trusted"]
        lines.append(Words["tls-chain", ["count": String(report.chain.count), "verification": verification]])
        if wholeChain {
            for (index, certificate) in report.chain.enumerated() {
                lines.append(Words["tls-chain-entry", [
                    "number": String(index + 1), "subject": e(certificate.subject), "issuer": e(certificate.issuer),
                    "from": day(certificate.notValidBefore), "until": day(certificate.notValidAfter),
                ]])
            }
        }
        return lines
    }

    /// After a certificate `--tls-verify` refused: the certificate, then the fix.
    ///
    /// ```
    /// *** the server's certificate did not verify: self-signed certificate
    /// === certificate: CN=mx.example.org, issued by CN=mx.example.org
    /// === names: mx.example.org; valid from 2026-12-01 to 2027-03-01
    /// === to trust this very certificate: --ca FILE with a copy of it (from the server's administrator); or leave out --tls-verify
    /// ```
    static func refusal(_ failure: TLSFailure) -> [String] {
        guard case .certificateRefused(let problem) = failure.kind else { return [] }
        let e = VisibleText.escape
        var lines: [String] = []
        if let leaf = failure.certificate {
            lines.append(Words["tls-certificate", ["subject": e(leaf.subject), "issuer": e(leaf.issuer)]])
            lines.append(Words["tls-names-validity", [
                "names": leaf.alternativeNames.isEmpty ? "-" : leaf.alternativeNames.map(e).joined(separator: ", "),
                "from": day(leaf.notValidBefore), "until": day(leaf.notValidAfter),
            ]])
        }
        let names = failure.certificate.map { $0.alternativeNames.map(e).joined(separator: ", ") } ?? "-"
        switch problem {
        case .selfSigned: lines.append(Words["tls-fix-self-signed"])
        case .unknownIssuer: lines.append(Words["tls-fix-unknown-issuer"])
        case .nameMismatch(let name): lines.append(Words["tls-fix-name", ["name": e(name), "names": names.isEmpty ? "-" : names]])
        case .expired: lines.append(Words["tls-fix-expired", ["until": failure.certificate.map { day($0.notValidAfter) } ?? "?"]])
        case .notYetValid: lines.append(Words["tls-fix-not-yet-valid", ["from": failure.certificate.map { day($0.notValidBefore) } ?? "?"]])
        case .weakKey: lines.append(Words["tls-fix-weak-key"])
        case .noCertificate, .notChecked: break
        }
        return lines
    }

    static func problem(_ problem: CertificateProblem) -> String {
        switch problem {
        case .expired: Words["tls-problem-expired"]
        case .notYetValid: Words["tls-problem-not-yet-valid"]
        case .selfSigned: Words["tls-problem-self-signed"]
        case .nameMismatch(let name): Words["tls-problem-name-mismatch", ["name": VisibleText.escape(name)]]
        case .unknownIssuer: Words["tls-problem-unknown-issuer"]
        case .weakKey(let bits): Words["tls-problem-weak-key", ["bits": String(bits)]]
        case .noCertificate: Words["tls-no-certificate"]
        case .notChecked: Words["tls-not-checked"]
        }
    }

    /// A stable id for a certificate problem (`--json`).
    static func problemID(_ problem: CertificateProblem) -> String {
        switch problem {
        case .expired: "expired"
        case .notYetValid: "not-yet-valid"
        case .selfSigned: "self-signed"
        case .nameMismatch: "name-mismatch"
        case .unknownIssuer: "issuer-not-trusted"
        case .weakKey: "weak-key"
        case .noCertificate: "no-certificate"
        case .notChecked: "not-checked"
        }
    }

    /// `2026-11-22` (UTC).
    static func day(_ date: Date) -> String {
        UTCTime(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down))).isoDate
    }
}
