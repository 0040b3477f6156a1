import SMTPCatalog
import SMTPClient
import SMTPCore

/// smtpsh's own words in a session's transcript, in order with the lines sent and
/// received: each a catalogue message (its name is `--json`'s stable `id`).
extension ClientSession {
    func say(_ severity: ClientNotice.Severity, _ message: CatalogMessage) {
        say(Remark(severity, id: message.name, parameters: message.parameters, text: message.text))
    }

    func note(_ message: CatalogMessage) { say(.note, message) }
    func warn(_ message: CatalogMessage) { say(.warning, message) }

    func note(_ name: String, _ parameters: [String: String] = [:]) { note(CatalogMessage(name, parameters)) }
    func warn(_ name: String, _ parameters: [String: String] = [:]) { warn(CatalogMessage(name, parameters)) }

    /// A line of a listing (`:macros`, `:set`): its text as it is, under one id.
    func note(listing text: String, id: String) {
        say(Remark(.note, id: id, parameters: ["text": text], text: text))
    }
}
