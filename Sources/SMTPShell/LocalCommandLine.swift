import SMTPCatalog
import SMTPClient
import SMTPCore

struct LocalCommandLine {
    var command: LocalCommand
    var text: String

    /// `nil` when the line is for the server.
    init?(_ line: String) {
        guard line.hasPrefix(":"), !line.hasPrefix("::") else { return nil }
        text = line
        let words = line.dropFirst().split(separator: " ", maxSplits: 1).map(String.init)
        let argument = words.count > 1 ? words[1].trimmingSpaces : nil
        let given = argument?.isEmpty == false ? argument : nil
        switch words.first?.lowercased() ?? "" {
        case "help", "h", "?": command = .help(given)
        case "state", "status": command = .state
        case "explain", "e": command = .explain(given)
        case "lang", "language": command = .lang(given)
        case "tls", "cert", "certificate": command = .tls
        case "starttls": command = .startTLS
        case "auth", "login": command = .auth(given)
        case "send": command = .send(given)
        case "hello", "ehlo": command = .hello(given)
        case "envelope", "env": command = .envelope(given)
        case "data", "message": command = .data(given)
        case "set", "defaults": command = .set(given)
        case "macros": command = .macros
        case "run": command = .run(given)
        case "record", "rec": command = .record(given)
        case "export": command = .export(given)
        case "raw":
            // Every byte counts: only the one space after `:raw` is taken off.
            let rest = line.dropFirst(4)
            command = .raw(rest.isEmpty ? nil : String(rest.hasPrefix(" ") ? rest.dropFirst() : rest))
        case "xclient": command = .xclient(given)
        case "clear": command = .clear
        case "quit", "q", "exit": command = .quit
        default: command = .unknown(line)
        }
    }

    /// The local command a line typed in `mode` is: any in command mode; in a message, only
    /// `:raw` (anything else there is a line of the message).
    init?(_ line: String, in mode: SessionStateMachine.InputMode) {
        switch mode {
        case .command: self.init(line)
        case .messageBody:
            guard line.lowercased().hasPrefix(":raw") else { return nil }
            self.init(line)
            guard case .raw = command else { return nil }
        case .saslResponse, .chunkData: return nil
        }
    }

    /// `::text` → `:text`; anything else as it is.
    static func unescaped(_ line: String) -> String {
        line.hasPrefix("::") ? String(line.dropFirst()) : line
    }
}
