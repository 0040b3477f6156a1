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
import SMTPCore

/// Where `smtpsh explain` writes: text as in a session (the reply, then its explanation
/// indented), or one JSON object per line; buffered, written in large blocks.
struct ExplainOutput {
    let json: Bool
    let languages: [Language]
    let columns: Int
    let catalog: Catalog
    private var buffer: [UInt8] = []
    private var count = 0

    init(json: Bool, languages: [Language], columns: Int, catalog: Catalog) {
        self.json = json
        self.languages = languages
        self.columns = columns
        self.catalog = catalog
        buffer.reserveCapacity(1 << 16)
    }

    /// A reply and its explanation; with `event`, its JSON object says `"event":"reply"` first
    /// (a session's replies among its sent lines, ``sent(_:)``).
    mutating func add(input: String, _ explanation: Explanation, event: Bool = false) {
        if json {
            let code: JSONValue
            let enhanced: JSONValue
            switch explanation.subject {
            case .reply(let reply, let enhancedCode):
                code = .number(Double(reply.rawValue))
                enhanced = enhancedCode.map { .string($0.description) } ?? .null
            case .code(let reply):
                code = .number(Double(reply.rawValue))
                enhanced = .null
            case .enhancedCode(let enhancedCode):
                code = .null
                enhanced = .string(enhancedCode.description)
            case .authChallenge:
                code = .number(334)
                enhanced = .null
            case .ehloReply, .ehloKeyword:
                code = .number(250)
                enhanced = .null
            }
            let fields: [(String, JSONValue)] = [("input", .string(input)), ("code", code), ("enhanced", enhanced)]
            JSONValue.object((event ? [("event", .string("reply"))] : []) + fields).write(into: &buffer)
            buffer.removeLast()
            buffer.append(UInt8(ascii: ","))
            TranscriptSinks.writeExplanationFields(explanation, languages: languages, into: &buffer)
            buffer.append(contentsOf: "}\n".utf8)
        } else {
            var lines: [String] = []
            if count > 0 { lines.append("") }
            if let server = explanation.server {
                lines.append("=== " + server.description(in: languages[0], catalog: catalog))
            }
            lines += ExplainCommand.render(input: input, explanation, languages: languages, columns: columns, catalog: catalog)
            append(lines.joined(separator: "\n") + "\n")
        }
        count += 1
        if buffer.count >= 1 << 16 { flush() }
    }

    // MARK: A session (ExplainSession)

    /// A line of the session as it came in (text only: `--json` has the events).
    mutating func passThrough(_ line: String) {
        guard !json else { return }
        append(line + "\n")
        if buffer.count >= 1 << 16 { flush() }
    }

    /// What the client sent, as `--json` events of a session have it (without the time):
    /// `{"event":"sent","tls":false,"kind":"command","text":"EHLO x"}`, one per line.
    mutating func sent(_ sent: SessionTimeline.Sent) {
        guard json else { return }
        for line in sent.lines {
            JSONValue.object([
                ("event", .string("sent")), ("tls", .bool(sent.tls)), ("kind", .string(sent.kind.rawValue)), ("text", .string(line)),
            ]).write(into: &buffer)
            buffer.append(10)
        }
        if buffer.count >= 1 << 16 { flush() }
    }

    /// A reply of the session: the server when it recognised it, then its explanation (for
    /// the command it answered), indented under it; in `--json`, the reply's object.
    mutating func annotate(_ reply: SessionTimeline.ReplyEntry) {
        guard let explanation = reply.explanation else { return }
        if json {
            add(input: reply.lines.joined(separator: "\n"), explanation, event: true)
            return
        }
        var lines: [String] = []
        if let server = reply.recognised { lines.append("=== " + server.description(in: languages[0], catalog: catalog)) }
        lines += ExplanationRenderer(
            columns: columns, indent: 4, languages: languages, catalog: catalog, classification: !reply.code.replyClass.isPositive, source: true
        ).render(explanation)
        append(lines.joined(separator: "\n") + "\n")
        count += 1
        if buffer.count >= 1 << 16 { flush() }
    }

    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        if !Console.writeAll(buffer, to: STDOUT_FILENO) && errno == EPIPE {
            signal(SIGPIPE, SIG_DFL)
            raise(SIGPIPE)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
