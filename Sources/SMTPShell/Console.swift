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
import Synchronization

/// Writes whole lines to stdout/stderr at once (no interleaving between threads).
enum Console {
    /// Held while a line is written: lines from several threads never interleave.
    private static let writing = Mutex(())

    static func out(_ line: String) {
        write(line + "\n", to: STDOUT_FILENO)
    }

    static func err(_ line: String) {
        write(line + "\n", to: STDERR_FILENO)
    }

    /// Writes all of `text`. When the reader has gone (`smtpsh … | head`), smtpsh ends as
    /// any command in a pipeline does: by SIGPIPE, without a word (SwiftNIO ignores the
    /// signal, so the write fails with EPIPE instead).
    static func write(_ text: String, to descriptor: Int32) {
        writing.withLock { _ in
            if !writeAll(Array(text.utf8), to: descriptor) && errno == EPIPE {
                signal(SIGPIPE, SIG_DFL)
                raise(SIGPIPE)
            }
        }
    }

    /// write(2) until every byte is written (again after EINTR); false on an error (`errno`).
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var rest = bytes[...]
        while !rest.isEmpty {
            let written = rest.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                rest = rest.dropFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}

/// Paths as the user typed them.
enum FilePath {
    /// The last component of `path` (`replay/s.smtp` → `s.smtp`), for messages.
    static func lastComponent(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// A file the user named, or standard input for `-`, read with read(2).
struct InputFile {
    let descriptor: Int32
    private let owned: Bool

    /// `nil` when the file cannot be opened.
    init?(path: String) {
        if path == "-" {
            descriptor = STDIN_FILENO
            owned = false
        } else {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            owned = true
        }
    }

    /// Closes the file (never standard input).
    func close() {
        if owned { _ = Glibc.close(descriptor) }
    }

    /// Up to `count` bytes: empty at the end of the file, `nil` when reading fails (a
    /// directory, an I/O error).
    func read(upTo count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
            if got >= 0 {
                buffer.removeSubrange(got...)
                return buffer
            }
            if errno != EINTR { return nil }
        }
    }
}

/// Reads a file the user named, or standard input for `-`, never more than `limit` bytes
/// (a password file, a message, a scenario: memory stays bounded whatever is given).
enum BoundedRead {
    /// At most `limit` bytes; `nil` when the file cannot be opened or read.
    static func contents(of path: String, limit: Int) -> Data? {
        guard let file = InputFile(path: path) else { return nil }
        defer { file.close() }
        var bytes: [UInt8] = []
        while bytes.count < limit {
            guard let chunk = file.read(upTo: min(65_536, limit - bytes.count)) else { return nil }
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return Data(bytes)
    }
}

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

/// Exit statuses (Docs/exit-status.md).
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// A reply was negative (4xx/5xx).
    case negativeReply = 1
    /// DNS: the name does not exist, has no MX, or the resolver failed.
    case dns = 3
    /// The connection was refused or the address is unreachable.
    case connectFailed = 4
    /// No answer in time: connecting, the greeting or a reply.
    case timedOut = 5
    /// The server closed or reset the connection when it was not expected to.
    case connectionLost = 6
    /// TLS could not be set up.
    case tlsFailed = 7
    /// The server's certificate did not verify (with --tls-verify).
    case tlsVerification = 8
    /// `smtpsh send`: the stage whose reply was not the expected one.
    case greetingRefused = 10
    case helloRefused = 11
    case startTLSRefused = 12
    case authRefused = 13
    case mailRefused = 14
    case recipientRefused = 15
    case dataRefused = 16
    case messageRefused = 17
    /// `smtpsh send --lmtp`: the message was delivered to some recipients, refused by others.
    case notAllDelivered = 19
    /// `smtpsh replay`: a reply differed from the recorded one (or never came).
    case replayDifferent = 20
    /// `--proxy`: the proxy could not be reached, or did not open the way to the server.
    case proxyFailed = 21
    /// A script's local command (`:auth` without a secret, `:send` refused, `:run` that
    /// stopped…) could not do its job.
    case localCommandFailed = 9
    /// Credentials were not sent: the connection was not safe for them (no TLS, AUTH or the
    /// mechanism not offered, a certificate that did not verify) and `--auth-insecure` was not given.
    case credentialsWithheld = 18
    /// A session or macro file that cannot be read as one (EX_DATAERR).
    case dataError = 65
    case usage = 64
    /// The practice server cannot listen.
    case unavailable = 69
    case software = 70
}

import SMTPClient

extension ClientSession {
    /// The exit status a TLS failure gives (8 for a certificate --tls-verify refused, 7 else).
    var tlsFailureStatus: ExitStatus? {
        tlsFailure.map { $0.verification ? .tlsVerification : .tlsFailed }
    }
}

extension ConnectError {
    var exitStatus: ExitStatus {
        switch primary {
        case .nameNotFound, .dnsFailure, .resolverFailure, .nullMX: .dns
        case .refused, .unreachable, .connectFailed, .allFailed: .connectFailed
        case .timedOut: .timedOut
        case .tlsSetup: .tlsFailed
        case .proxyUnreachable, .proxyFailed: .proxyFailed
        }
    }
}

/// Runs a handler when one of the files changes (its size, time or inode: editors that save
/// by renaming count), checking once a second. A file that disappears counts as a change
/// once, and again when it comes back.
final class FileWatcher: @unchecked Sendable {
    private var timer: DispatchSourceTimer?

    init(files: [String], interval: Double = 1, handler: @escaping @Sendable (String) -> Void) {
        guard !files.isEmpty else { return }
        var seen = Dictionary(uniqueKeysWithValues: files.map { ($0, Self.signature($0)) })
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "smtpsh.file-watcher"))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler {
            for file in files {
                let now = Self.signature(file)
                if now != seen[file] {
                    seen[file] = now
                    handler(file)
                }
            }
        }
        timer.resume()
        self.timer = timer
    }

    private static func signature(_ path: String) -> [Int]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }

    func cancel() {
        timer?.cancel()
        timer = nil
    }
}

/// Runs a handler when one of the signals arrives (the default action is suppressed).
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
