import Foundation

/// Writes whole lines to stdout/stderr at once (no interleaving between threads).
enum Console {
    private static let lock = NSLock()

    static func out(_ line: String) {
        write(line + "\n", to: FileHandle.standardOutput)
    }

    static func err(_ line: String) {
        write(line + "\n", to: FileHandle.standardError)
    }

    static func write(_ text: String, to handle: FileHandle) {
        lock.lock()
        defer { lock.unlock() }
        handle.write(Data(text.utf8))
    }
}

/// An error that ends the command with a clear one-line message and a documented status.
public struct ShellError: Error, CustomStringConvertible {
    public var description: String
    public var status: ExitStatus

    public init(_ description: String, status: ExitStatus) {
        self.description = description
        self.status = status
    }
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
    case usage = 64
    /// The practice server cannot listen.
    case unavailable = 69
    case software = 70
}

import SMTPClient

extension ConnectError {
    var exitStatus: ExitStatus {
        switch primary {
        case .nameNotFound, .dnsFailure, .noMX: .dns
        case .refused, .unreachable: .connectFailed
        case .timedOut: .timedOut
        case .allFailed, .other: .connectFailed
        }
    }
}

extension Error {
    var localizedDescriptionForUser: String { String(describing: self) }
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
