import SMTPCore

/// Why sending credentials now could leak them, or hand them to a server that has no use
/// for them (RFC 4954, section 14; RFC 8314, section 3). Checked before a secret is asked
/// for or sent: `:auth`, `:send` with `auth=`, `smtpsh send --auth`, scripts and replay.
///
/// ```
/// C: EHLO client.example              (plain text on port 587)
/// S: 250-mail.example.org
/// S: 250 STARTTLS                     no AUTH offered, no TLS yet:
///                                     [.authNotOffered, .noTLS(startTLSOffered: true)]
/// ```
public enum CredentialRisk: Hashable, Sendable {
    /// No TLS, and the mechanism sends the secret itself (PLAIN, LOGIN, XOAUTH2,
    /// OAUTHBEARER: base64 is not encryption): anyone on the path can read it.
    case noTLS(startTLSOffered: Bool)
    /// No EHLO reply yet (or only HELO's): nothing says the server takes AUTH.
    case noCapabilities
    /// The EHLO reply has no AUTH keyword.
    case authNotOffered
    /// AUTH is offered, but not with this mechanism.
    case mechanismNotOffered(String, offered: [String])
    /// TLS is up but the server's certificate did not verify: it may not be the server it claims.
    case certificateNotVerified(CertificateProblem)

    /// A stable id (`--json`, the catalogue's `auth-risk-…` messages).
    public var id: String {
        switch self {
        case .noTLS: "no-tls"
        case .noCapabilities: "no-capabilities"
        case .authNotOffered: "auth-not-offered"
        case .mechanismNotOffered: "mechanism-not-offered"
        case .certificateNotVerified: "certificate-not-verified"
        }
    }
}

extension SASLMechanism {
    /// The secret itself travels in the exchange (only base64-encoded); CRAM-MD5 sends a
    /// keyed digest of a challenge instead.
    public var sendsSecret: Bool { self != .cramMD5 }
}

extension ClientSession {
    /// What would make AUTH with `mechanism` unsafe now, from what the session knows: TLS,
    /// the last EHLO reply, the certificate. `certificateVouchedFor`: the server is the
    /// practice server smtpsh started itself (`demo`, `learn`), whose self-signed certificate
    /// it knows.
    public func credentialRisks(for mechanism: SASLMechanism, certificateVouchedFor: Bool = false) -> [CredentialRisk] {
        let state = self.state
        let report = tlsReport
        return Self.credentialRisks(
            for: mechanism, state: state, certificateProblem: certificateVouchedFor ? nil : report?.problem)
    }

    /// ``credentialRisks(for:certificateVouchedFor:)`` from a state and a certificate problem.
    public static func credentialRisks(
        for mechanism: SASLMechanism, state: SessionStateMachine, certificateProblem: CertificateProblem?
    ) -> [CredentialRisk] {
        var risks: [CredentialRisk] = []
        if let capabilities = state.capabilities {
            if !capabilities.supports(Capability.auth) {
                risks.append(.authNotOffered)
            } else if !capabilities.authMechanisms.contains(mechanism.rawValue) {
                risks.append(.mechanismNotOffered(mechanism.rawValue, offered: capabilities.authMechanisms))
            }
        } else {
            risks.append(.noCapabilities)
        }
        if !state.isTLS {
            if mechanism.sendsSecret {
                risks.append(.noTLS(startTLSOffered: state.capabilities?.supports(Capability.startTLS) ?? false))
            }
        } else if let certificateProblem {
            risks.append(.certificateNotVerified(certificateProblem))
        }
        return risks
    }
}
