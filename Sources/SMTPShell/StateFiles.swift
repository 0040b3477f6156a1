#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Files smtpsh keeps between runs (the prompt's history, `learn`'s progress), in
/// `$XDG_STATE_HOME/smtpsh/` (else `~/.local/state/smtpsh/`, made with mode 0700). A
/// variable of their own names another file, or, set to nothing, turns the file off.
enum StateFiles {
    static func path(_ name: String, variable: String) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if environment[variable] == "" { return nil }
        if let explicit = environment[variable] { return explicit }
        let base: String
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            base = state
        } else if let home = environment["HOME"] {
            base = home + "/.local/state"
        } else {
            return nil
        }
        let directory = base + "/smtpsh"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            return nil
        }
        return directory + "/" + name
    }
}
