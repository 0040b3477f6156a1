#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore
import SMTPPracticeServer

/// "The message as the server stored it": the trace lines the server put on top (the
/// envelope, `Received`), then the message as received, escaped, at most 24 lines.
enum StoredMessageView {
    static func lines(_ message: ReceivedMessage, host: String, language: Language, limit: Int = 24) -> [String] {
        let text = MessageStore.traceHeaders(for: message, host: host) + String(decoding: message.content, as: UTF8.self)
        var lines = TextLines.split(Array(text.utf8))
        if lines.last == "" { lines.removeLast() }
        var shown = lines.prefix(limit).map { VisibleText.escape($0) }
        if lines.count > limit { shown.append(Words.text("lesson-stored-more", in: language, ["count": String(lines.count - limit)])) }
        return shown
    }
}
