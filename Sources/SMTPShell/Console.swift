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
    /// A reply was negative (4xx/5xx) where a positive one was needed.
    case negativeReply = 1
    case usage = 64
    /// Cannot listen, cannot connect (refused), or the service is unavailable.
    case unavailable = 69
    case software = 70
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
