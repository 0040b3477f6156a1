import SMTPCatalog
import SMTPCore

/// `--color auto|always|never`.
enum ColorMode: String, Hashable, Sendable, CaseIterable {
    case auto
    case always
    case never

    /// Whether to colour, given the mode, whether the output is a terminal, and the
    /// environment (`NO_COLOR` set to anything turns colour off; `TERM=dumb` is no terminal).
    public func enabled(isTerminal: Bool, environment: [String: String]) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
            if environment["TERM"] == "dumb" { return false }
            return isTerminal
        }
    }
}

/// ANSI SGR sequences (ECMA-48).
enum ANSI: String, Sendable {
    case reset = "\u{1B}[0m"
    case bold = "\u{1B}[1m"
    case dim = "\u{1B}[2m"
    case red = "\u{1B}[31m"
    case green = "\u{1B}[32m"
    case yellow = "\u{1B}[33m"
    case cyan = "\u{1B}[36m"
    case magenta = "\u{1B}[35m"
}

/// Turns session events into terminal lines: the markers postmasters know from swaks
/// (` -> ` sent, `<-  ` received, ` ~> ` / `<~  ` under TLS, `=== ` local notes, `*** `
/// warnings), the reply coloured by class, server bytes always escaped.
struct Renderer: Sendable {
    public var color: Bool
    /// For a projector (`--large`): nothing dimmed, everything in bold.
    public var large: Bool

    /// At a terminal, the width that notes, warnings and errors are wrapped to (the terminal
    /// would cut a word in two), with each following line under the text, not the marker.
    /// `nil` (a pipe or a file): one line per message, as scripts and `grep` expect. The
    /// server's lines are never wrapped: they are shown as they came.
    public var wrapColumns: (@Sendable () -> Int)?

    public init(color: Bool, large: Bool = false, wrapColumns: (@Sendable () -> Int)? = nil) {
        self.color = color
        self.large = large
        self.wrapColumns = wrapColumns
    }

    private func paint(_ text: String, _ codes: ANSI...) -> String {
        guard color else { return text }
        let codes = large ? [.bold] + codes.filter { $0 != .dim && $0 != .bold } : codes
        guard !codes.isEmpty else { return text }
        return codes.map(\.rawValue).joined() + text + ANSI.reset.rawValue
    }

    public static func classColor(_ replyClass: ReplyClass) -> ANSI {
        switch replyClass {
        case .positiveCompletion: .green
        case .positiveIntermediate: .cyan
        case .transientNegative: .yellow
        case .permanentNegative: .red
        }
    }

    /// One received line: code in bold and the class colour, the text in the class colour,
    /// the latency (on the reply's first line) dimmed.
    public func received(_ line: ReplyLine, tls: Bool, latency: Double?) -> String {
        let marker = tls ? "<~  " : "<-  "
        var text: String
        if let code = line.code {
            let colour = Self.classColor(code.replyClass)
            let separator = line.bytes.count > 3 ? String(UnicodeScalar(line.bytes[3])) : ""
            text = paint(String(code.rawValue), .bold, colour) + paint(separator + VisibleText.escape(line.text), colour)
        } else {
            text = paint(VisibleText.escape(line.bytes), .magenta)
        }
        if let original = line.originalLength {
            text += paint(" …[cut: the line was \(original) octets]", .dim)
        }
        if line.lineEnding == .lf {
            text += paint(" [bare LF]", .dim)
        }
        if let latency {
            text += "  " + paint("(\(Self.format(milliseconds: latency)))", .dim)
        }
        return paint(marker, .dim) + text
    }

    public func sent(_ text: String, tls: Bool) -> String {
        paint(tls ? " ~> " : " -> ", .dim) + VisibleText.escape(text)
    }

    /// Bytes sent as written (`:raw`), in their escaped notation and the warning colour.
    public func sentRaw(_ text: String, tls: Bool) -> String {
        paint(tls ? " ~> " : " -> ", .dim) + paint(VisibleText.escape(text), .yellow)
    }

    public func note(_ text: String) -> String {
        wrapped(text).map { paint("=== " + $0, .dim) }.joined(separator: "\n")
    }

    public func warning(_ text: String) -> String {
        wrapped(text).map { paint("*** ", .dim) + paint($0, .yellow) }.joined(separator: "\n")
    }

    public func error(_ text: String) -> String {
        wrapped(text).map { paint("*** ", .dim) + paint($0, .red, .bold) }.joined(separator: "\n")
    }

    /// The text of a marked line, cut into lines that fit beside the 4-column marker at a
    /// terminal (``wrapColumns``); as it is otherwise, or when it fits.
    func wrapped(_ text: String) -> [String] {
        guard let columns = wrapColumns?(), columns >= 24 else { return [text] }
        let width = columns - 4
        guard DisplayWidth.of(text) > width, !text.contains("\n") else { return [text] }
        // An indented line (`:state`'s extensions, a certificate's fields) keeps its indent.
        let indent = String(text.prefix { $0 == " " })
        guard width - indent.count >= 20 else { return [text] }
        return TextWrapper.wrap(String(text.dropFirst(indent.count)), width: width - indent.count).map { indent + $0 }
    }

    /// Text of less weight (a mark beside a typed line), dimmed.
    public func dim(_ text: String) -> String {
        paint(text, .dim)
    }

    /// A line of explanation under a reply (already indented), dimmed.
    public func explanation(_ text: String) -> String {
        paint(text, .dim)
    }

    /// `0.4 ms`, `12 ms`, `1.5 s` in the language of smtpsh's words: `0,4 ms` in French,
    /// `1.5 秒` in Japanese (``ReadableDuration``).
    public static func format(milliseconds: Double) -> String {
        ReadableDuration.milliseconds(milliseconds, in: Words.language)
    }
}
