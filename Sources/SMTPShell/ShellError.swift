#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog

/// An error that ends the command with a clear one-line message and a documented status.
public struct ShellError: Error, CustomStringConvertible {
    /// What went wrong, as a catalogue message (its name is the stable id `--json` writes
    /// when the error is said in a session).
    public var message: CatalogMessage
    public var status: ExitStatus

    public init(_ message: CatalogMessage, status: ExitStatus) {
        self.message = message
        self.status = status
    }

    public init(_ name: String, _ parameters: [String: String] = [:], status: ExitStatus) {
        self.init(CatalogMessage(name, parameters), status: status)
    }

    /// An error worded elsewhere (a scenario file's, the practice server's): said as it is.
    public init(text: String, status: ExitStatus) {
        self.init(CatalogMessage("plain-text", ["text": text]), status: status)
    }

    /// The message in the user's language.
    public var description: String { message.text }
}
