import SMTPCatalog
import SMTPClient
import SMTPCore

/// `:auth plain alice` → PLAIN as alice; `:auth login` → LOGIN, the user from --user.
struct AuthRequest {
    var mechanism: SASLMechanism
    var user: String?

    /// What to write, when `:auth` is not understood.
    static var usage: CatalogMessage {
        CatalogMessage("auth-usage", ["mechanisms": SASLMechanism.allCases.map(\.rawValue).joined(separator: ", ")])
    }

    init?(_ argument: String?) {
        let words = (argument ?? "").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first, let mechanism = SASLMechanism(name: first), words.count <= 2 else { return nil }
        self.mechanism = mechanism
        self.user = words.count > 1 ? words[1] : nil
    }
}
