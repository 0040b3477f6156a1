#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where accepted messages go: one `.eml` file per message in a directory (with the envelope
/// as trace headers at the top), written and fsynced before the server says 250 — or nowhere
/// but the log.
public final class MessageStore: Sendable {
    public let directory: URL?

    public init(directory: URL?) throws {
        self.directory = directory
        if let directory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    /// The trace headers put before the message (RFC 5321, section 4.4), so the envelope is
    /// kept: `Return-Path`, one `X-Envelope-To` per recipient, and `Received`.
    public static func traceHeaders(for message: ReceivedMessage, host: String, date: Date = Date()) -> String {
        var protocolName = "ESMTP"
        if message.tls { protocolName += "S" }
        if message.authenticatedUser != nil { protocolName += "A" }
        var lines = ["Return-Path: \(message.sender)"]
        lines += message.recipients.map { "X-Envelope-To: \($0)" }
        let from = message.clientName ?? "unknown"
        lines.append(
            "Received: from \(from) ([\(message.clientAddress)]) by \(host) (smtpsh practice server) with \(protocolName) id \(message.id); \(rfc5322Date(date))"
        )
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func rfc5322Date(_ date: Date) -> String {
        UTCTime(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down))).rfc5322
    }

    /// Writes the message durably (temporary file, fsync, rename, fsync of the directory).
    /// Blocking: call it off the event loop. Returns the file, or nil without a directory.
    @discardableResult
    public func store(_ message: ReceivedMessage, host: String) throws -> URL? {
        guard let directory else { return nil }
        let stamp = Self.fileStamp(Date())
        let safeID = message.id.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        // The process id keeps names unique across runs of the server in the same second.
        let base = "\(stamp)-\(getpid())-\(safeID)"
        let final = directory.appendingPathComponent("\(base).eml")
        let temporary = directory.appendingPathComponent(".\(base).tmp")
        let bytes = Array(Self.traceHeaders(for: message, host: host).utf8) + message.content
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        var written = 0
        let result: Int32 = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return fsync(fd) == 0 ? 0 : errno
        }
        close(fd)
        guard result == 0 else {
            unlink(temporary.path)
            throw StoreError("cannot write \(temporary.path): \(String(cString: strerror(result)))")
        }
        guard rename(temporary.path, final.path) == 0 else {
            unlink(temporary.path)
            throw StoreError("cannot rename to \(final.path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(directory.path, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
        return final
    }

    static func fileStamp(_ date: Date) -> String {
        UTCTime(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down))).compactStamp
    }
}

public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
