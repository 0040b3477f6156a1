#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore

/// Tab completion: SMTP verbs, smtpsh's commands, what the server advertised.
enum Completion {
    static let verbs = ["EHLO", "HELO", "LHLO", "MAIL FROM:<", "RCPT TO:<", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH"]

    static func candidates(for line: String, state: SessionStateMachine, macros: () -> [String] = { [] }) -> [String] {
        if state.inputMode != .command { return [] }
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        if line.hasPrefix(":") {
            // `:run NAME`: the user's macros.
            if words.count == 2, words[0].lowercased() == ":run" {
                return macros().filter { $0.hasPrefix(words[1]) }.sorted()
            }
            if words.count >= 2, words[0].lowercased() == ":xclient" { return xclientAttributes(words, state: state) }
            guard words.count <= 1 else { return [] }
            return LocalCommand.names.filter { $0.hasPrefix(line.lowercased()) }
        }
        if words.count <= 1 {
            let word = line.uppercased()
            if word.hasPrefix("MAIL") && word.count > 4 { return ["MAIL FROM:<"].filter { $0.hasPrefix(word) } }
            // STARTTLS only while there is no TLS; on an empty line, smtpsh's commands too.
            let offered = verbs.filter { !(state.isTLS && $0 == "STARTTLS") }
            let matching = offered.filter { $0.hasPrefix(word) }.map { $0.hasSuffix("<") ? String($0.dropLast()) : $0 }
            return line.isEmpty ? matching + LocalCommand.names : matching
        }
        let verb = words[0].uppercased()
        let current = String(words.last ?? "").uppercased()
        let capabilities = state.capabilities
        switch verb {
        case "MAIL" where words.count == 2 && "FROM:".hasPrefix(current):
            return ["FROM:"]
        case "RCPT" where words.count == 2 && "TO:".hasPrefix(current):
            return ["TO:"]
        case "MAIL", "RCPT":
            guard words.count >= 3 || (words.count == 2 && current.contains(">")) else { return [] }
            var parameters: [String] = []
            if verb == "MAIL" {
                if capabilities?.supports("SIZE") ?? true { parameters.append("SIZE=") }
                if capabilities?.supports("8BITMIME") ?? true { parameters.append("BODY=8BITMIME") }
                if capabilities?.supports("SMTPUTF8") ?? true { parameters.append("SMTPUTF8") }
                if capabilities?.supports("DSN") ?? true { parameters += ["RET=FULL", "RET=HDRS", "ENVID="] }
                if capabilities?.supports("REQUIRETLS") ?? false { parameters.append("REQUIRETLS") }
            } else if capabilities?.supports("DSN") ?? true {
                parameters += ["NOTIFY=SUCCESS,FAILURE", "NOTIFY=NEVER", "ORCPT=rfc822;"]
            }
            return parameters.filter { $0.hasPrefix(current) }
        case "AUTH" where words.count == 2:
            let mechanisms = capabilities?.authMechanisms ?? ["PLAIN", "LOGIN", "CRAM-MD5"]
            return mechanisms.filter { $0.hasPrefix(current) }
        case "XCLIENT":
            return xclientAttributes(words, state: state)
        case "HELP" where words.count == 2:
            return VerbHelp.entries.map(\.verb).filter { $0.hasPrefix(current) }
        default:
            return []
        }
    }
}

extension Completion {
    /// XCLIENT's attributes (`NAME=`, `ADDR=`…): those the server's EHLO reply lists (Postfix's
    /// when it has not said), less those already on the line.
    static func xclientAttributes(_ words: [Substring], state: SessionStateMachine) -> [String] {
        let current = String(words.last ?? "").uppercased()
        guard !current.contains("=") else { return [] }
        let offered = state.capabilities?.capability("XCLIENT")?.parameters ?? XClientCommand.knownAttributes
        let given = Set(words.dropFirst().dropLast().map { String($0.prefix { $0 != "=" }).uppercased() })
        return offered.map { $0.uppercased() }.filter { !given.contains($0) && $0.hasPrefix(current) }.map { $0 + "=" }
    }
}
