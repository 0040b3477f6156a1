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

/// Where history lives: `$XDG_STATE_HOME/smtpsh/history` (default `~/.local/state`).
enum History {
    static func path() -> String? { StateFiles.path("history", variable: "SMTPSH_HISTORY") }
}
