import SMTPCatalog
import SMTPClient
import SMTPCore

/// Stands before every AUTH smtpsh leads (`:auth`, `:send` with `auth=`, `smtpsh send --auth`,
/// `:auth` in a script, an AUTH in a replayed file): before a secret is asked for or sent, it
/// says what is wrong (``CredentialRisk``: no TLS, AUTH or the mechanism not offered, a
/// certificate that did not verify) and the other mistakes the AUTH would make (already
/// authenticated, inside a transaction). With a risk, the credentials go only when the user
/// says so: a confirmation at a terminal (no by default), `--auth-insecure` elsewhere.
///
/// ```
/// 127.0.0.1 ready> :auth plain alice
/// *** the server did not offer AUTH in its EHLO reply: it has no use for credentials here
/// *** no TLS on this connection: PLAIN sends the secret itself, only base64-encoded …
/// send the credentials anyway? [y/N]
/// *** AUTH cancelled: nothing was sent
/// ```
struct CredentialGate {
    /// `--auth-insecure`: go ahead despite the risks (after saying them).
    var allowInsecure = false
    /// The server is the practice server smtpsh started (`demo`, `learn`): its self-signed
    /// certificate is the one smtpsh made.
    var certificateVouchedFor = false
    /// Asks a yes/no question at a terminal; `nil` without one.
    var confirm: (@Sendable (String) -> Bool)?

    init(credentials: Credentials, confirm: (@Sendable (String) -> Bool)?) {
        allowInsecure = credentials.allowInsecure
        certificateVouchedFor = credentials.certificateVouchedFor
        self.confirm = confirm
    }

    enum Decision: Equatable {
        case go
        /// The user said no at the terminal (nothing was typed in vain, nothing sent).
        case cancelled
        /// Without a terminal and without `--auth-insecure`: not sent (exit status 18).
        case withheld
    }

    /// Says the risks and mistakes of AUTH with `mechanism` now, and decides.
    func check(_ session: ClientSession, mechanism: SASLMechanism) -> Decision {
        let risks = session.credentialRisks(for: mechanism, certificateVouchedFor: certificateVouchedFor)
        // The mistakes the risks do not already say (sequence, already authenticated).
        let advice = session.state.advice(for: .auth(mechanism: mechanism.rawValue, initialResponse: nil)).filter {
            switch $0 {
            case .notAdvertised, .mechanismNotAdvertised, .credentialsInClear: false
            default: true
            }
        }
        for item in advice { session.say(ClientNotice.advice(item).remark) }
        for risk in risks { session.warn(Self.message(risk, mechanism: mechanism)) }
        guard !risks.isEmpty else { return .go }
        if allowInsecure {
            session.note("auth-insecure-going-ahead")
            return .go
        }
        if let confirm {
            return confirm(Words["auth-confirm"]) ? .go : .cancelled
        }
        session.warn("auth-withheld")
        return .withheld
    }

    /// The message for a risk.
    static func message(_ risk: CredentialRisk, mechanism: SASLMechanism) -> CatalogMessage {
        switch risk {
        case .noTLS(let startTLSOffered):
            CatalogMessage(startTLSOffered ? "auth-risk-no-tls-starttls" : "auth-risk-no-tls", ["mechanism": mechanism.rawValue])
        case .noCapabilities:
            CatalogMessage("auth-risk-no-capabilities")
        case .authNotOffered:
            CatalogMessage("auth-risk-auth-not-offered")
        case .mechanismNotOffered(let name, let offered):
            CatalogMessage("auth-risk-mechanism-not-offered", [
                "mechanism": VisibleText.escape(name), "offered": offered.map(VisibleText.escape).joined(separator: " "),
            ])
        case .certificateNotVerified(let problem):
            CatalogMessage("auth-risk-certificate", ["reason": TLSReportText.problem(problem)])
        }
    }
}

extension CredentialGate.Decision {
    /// Whether an answer typed at the confirmation means yes (`y`, `yes`, `o`, `oui`, `はい`…).
    static func isYes(_ answer: String) -> Bool {
        ["y", "yes", "o", "oui", "はい", "ｙ", "ｙｅｓ"].contains(answer.trimmingSpaces.lowercased())
    }
}
