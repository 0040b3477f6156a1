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

/// The few environment variables smtpsh reads, each with `getenv` (cheaper at start-up than
/// building the whole environment).
enum Environment {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// What decides the language of messages.
    static var locale: [String: String] {
        var values: [String: String] = [:]
        for name in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
            if let value = value(name) { values[name] = value }
        }
        return values
    }

    /// What decides colour (`NO_COLOR`, `TERM`).
    static var variables: [String: String] {
        var values: [String: String] = [:]
        for name in ["NO_COLOR", "TERM", "COLUMNS"] {
            if let value = value(name) { values[name] = value }
        }
        return values
    }

    /// The terminal's width (standard output), else `COLUMNS`, else 80.
    static var columns: Int {
        if isatty(STDOUT_FILENO) == 1 {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        }
        if let text = value("COLUMNS"), let columns = Int(text), columns > 0 { return columns }
        return 80
    }
}
