import SMTPCore

/// A note, warning or error that the caller of a session words itself (smtpsh's commands:
/// macros, replay, the credential gate): its stable id (a catalogue message's name), its
/// parameters, and its text in the user's language.
public struct Remark: Hashable, Sendable {
    public var severity: ClientNotice.Severity
    public var id: String
    public var parameters: [String: String]
    public var text: String

    public init(_ severity: ClientNotice.Severity, id: String, parameters: [String: String] = [:], text: String) {
        self.severity = severity
        self.id = id
        self.parameters = parameters
        self.text = text
    }
}
