import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import SMTPPracticeServer

/// A practice server started in-process on a free loopback port, storing messages in a
/// temporary directory of its own. Call ``stop()`` at the end of the test.
final class TestServer: Sendable {
    let server: PracticeServer
    let port: Int
    let tlsPort: Int?
    let directory: URL
    private let logLines: NIOLockedValueBox<[String]>
    private let acceptedCount: NIOLockedValueBox<Int>

    /// Starts a server with `configuration` (and an implicit-TLS port when `tlsPort` is true).
    static func start(
        _ configuration: PracticeServerConfiguration = PracticeServerConfiguration(),
        tlsPort: Bool = false,
        keepLog: Bool = false
    ) async throws -> TestServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("smtpsh-server-test-\(UUID().uuidString)")
        let logLines = NIOLockedValueBox<[String]>([])
        let acceptedCount = NIOLockedValueBox(0)
        var options = PracticeServer.Options()
        options.configuration = configuration
        options.port = 0
        options.tlsPort = tlsPort ? 0 : nil
        options.messageDirectory = directory
        if keepLog {
            options.log = { line in logLines.withLockedValue { $0.append(line) } }
        }
        options.accepted = { _ in acceptedCount.withLockedValue { $0 += 1 } }
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        let listening = try await server.start()
        return TestServer(
            server: server,
            port: listening.port,
            tlsPort: listening.tlsPort,
            directory: directory,
            logLines: logLines,
            acceptedCount: acceptedCount
        )
    }

    /// Starts a server, runs `body` with it, and stops it whatever happens.
    static func with<T>(
        _ configuration: PracticeServerConfiguration = PracticeServerConfiguration(),
        tlsPort: Bool = false,
        keepLog: Bool = false,
        _ body: (TestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(configuration, tlsPort: tlsPort, keepLog: keepLog)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private init(
        server: PracticeServer,
        port: Int,
        tlsPort: Int?,
        directory: URL,
        logLines: NIOLockedValueBox<[String]>,
        acceptedCount: NIOLockedValueBox<Int>
    ) {
        self.server = server
        self.port = port
        self.tlsPort = tlsPort
        self.directory = directory
        self.logLines = logLines
        self.acceptedCount = acceptedCount
    }

    /// Stops listening and removes the message directory.
    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var log: [String] { logLines.withLockedValue { $0 } }
    var accepted: Int { acceptedCount.withLockedValue { $0 } }

    /// Every file in the message directory (hidden temporary files included), sorted by name.
    var allFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    /// The stored messages (`.eml` files), oldest first.
    func storedMessages() throws -> [StoredMessage] {
        try StoredMessage.all(in: directory)
    }

    /// The one stored message; fails the call if there is not exactly one.
    func onlyMessage() throws -> StoredMessage {
        let messages = try storedMessages()
        guard messages.count == 1 else {
            throw StoredMessage.Malformed(
                description: "expected exactly one stored message, found \(messages.count): \(allFiles)")
        }
        return messages[0]
    }
}

/// A stored `.eml` file cut into its trace headers and the message as the client sent it.
///
/// ```
/// Return-Path: <alice@example.org>
/// X-Envelope-To: <bob@example.org>
/// Received: from client.example ([127.0.0.1]) by practice.localhost (smtpsh practice server) with ESMTP id 3; Sun, 22 Nov 2026 08:18:00 +0000
/// (the message, byte for byte)
/// ```
struct StoredMessage {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var name: String
    var returnPath: String
    var envelopeTo: [String]
    /// `Received:` up to (not including) ` id`.
    var receivedFrom: String
    /// `ESMTP`, `ESMTPS`, `ESMTPA` or `ESMTPSA`.
    var protocolName: String
    var id: Int
    /// Everything after the trace headers.
    var content: [UInt8]

    /// The `.eml` files in `directory`, oldest first (names start with a time stamp and end
    /// with the message id, so sort by id).
    static func all(in directory: URL) throws -> [StoredMessage] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        return try names.filter { $0.hasSuffix(".eml") }
            .map { try StoredMessage(bytes: Array(Data(contentsOf: directory.appendingPathComponent($0))), name: $0) }
            .sorted { $0.id < $1.id }
    }

    init(bytes: [UInt8], name: String) throws {
        self.name = name
        var lines: [String] = []
        var offset = 0
        // Trace headers: Return-Path, X-Envelope-To…, Received (the last of them).
        while true {
            guard let end = bytes[offset...].firstIndex(of: 10), end > offset, bytes[end - 1] == 13 else {
                throw Malformed(description: "\(name): trace header without CRLF")
            }
            let line = String(decoding: bytes[offset..<(end - 1)], as: UTF8.self)
            lines.append(line)
            offset = end + 1
            if line.hasPrefix("Received: ") { break }
            guard lines.count < 10_000 else { throw Malformed(description: "\(name): no Received line") }
        }
        guard let first = lines.first, first.hasPrefix("Return-Path: ") else {
            throw Malformed(description: "\(name): the first line is not Return-Path: \(lines)")
        }
        returnPath = String(first.dropFirst("Return-Path: ".count))
        envelopeTo = try lines.dropFirst().dropLast().map { line in
            guard line.hasPrefix("X-Envelope-To: ") else {
                throw Malformed(description: "\(name): unexpected trace line \(line)")
            }
            return String(line.dropFirst("X-Envelope-To: ".count))
        }
        let received = lines.last!
        let pattern =
            #"^(Received: from \S+ \(\[127\.0\.0\.1\]\) by \S+ \(smtpsh practice server\)) with (ESMTPS?A?) id ([0-9]+); (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000$"#
        let regex = try NSRegularExpression(pattern: pattern)
        let range = NSRange(received.startIndex..., in: received)
        guard let match = regex.firstMatch(in: received, range: range) else {
            throw Malformed(description: "\(name): Received line not as expected: \(received)")
        }
        func group(_ index: Int) -> String { String(received[Range(match.range(at: index), in: received)!]) }
        receivedFrom = group(1)
        protocolName = group(2)
        id = Int(group(3))!
        content = Array(bytes[offset...])
    }
}

/// Where the test sources are (the Python clients sit beside them).
enum TestFiles {
    static var clients: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Clients")
    }

    /// A fresh temporary file holding `bytes`.
    static func temporary(_ bytes: [UInt8], suffix: String = ".txt") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smtpsh-test-\(UUID().uuidString)\(suffix)")
        try Data(bytes).write(to: url)
        return url
    }
}

/// Messages with the lines that exercise dot-stuffing: a line that is a lone dot, one of two
/// dots, one starting with a dot, and a dot at the very start of the body.
enum Messages {
    static func withDots(
        subject: String = "dot-stuffing", from: String = "alice@example.org", to: String = "bob@example.org"
    ) -> [UInt8] {
        let lines = [
            "From: <\(from)>",
            "To: <\(to)>",
            "Subject: \(subject)",
            "Message-ID: <\(UUID().uuidString)@client.example>",
            "",
            ".a line that starts with a dot",
            "an ordinary line",
            ".",
            "..",
            "...three",
            " . not at the start",
            "",
            ".",
            "the end",
        ]
        return Array(lines.map { $0 + "\r\n" }.joined().utf8)
    }

    /// About `megabytes` MiB of 76-octet lines, every 50th starting with a dot.
    static func large(megabytes: Int) -> [UInt8] {
        var bytes = Array("From: <alice@example.org>\r\nTo: <bob@example.org>\r\nSubject: large\r\n\r\n".utf8)
        let target = megabytes * 1_048_576
        bytes.reserveCapacity(target + 200)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var line = 0
        while bytes.count < target {
            if line % 50 == 0 { bytes.append(UInt8(ascii: ".")) }
            for column in 0..<74 { bytes.append(alphabet[(line &* 31 &+ column) % alphabet.count]) }
            bytes += [13, 10]
            line += 1
        }
        return bytes
    }
}
