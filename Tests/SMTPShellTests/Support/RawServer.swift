import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP server on 127.0.0.1 that does exactly what a test script says, to play servers that
/// misbehave. It accepts one connection at a time on a free port, on its own thread.
final class RawServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    /// Everything the client sent (read by `readLine`/`readAll`).
    private(set) var received = Data()
    private let lock = NSLock()

    struct Connection {
        let fd: Int32
        let server: RawServer

        func send(_ text: String) { send(Array(text.utf8)) }

        func send(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count <= 0 { return }
                offset += count
            }
        }

        /// Reads one line (up to LF) or nil at EOF/timeout.
        func readLine(timeout: Double = 10) -> String? {
            var line: [UInt8] = []
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&pollfd, 1, 100)
                if ready <= 0 { continue }
                var byte: UInt8 = 0
                let count = recv(fd, &byte, 1, 0)
                if count <= 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
                server.record([byte])
                if byte == 10 { return String(decoding: line, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
                line.append(byte)
            }
            return nil
        }

        func close() { Glibc.close(fd) }

        /// Closes with a TCP reset instead of a FIN.
        func reset() {
            var lingerOption = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerOption, socklen_t(MemoryLayout<linger>.size))
            Glibc.close(fd)
        }
    }

    init(script: @escaping @Sendable (Connection) -> Void) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            let client = accept(self.listener, nil, nil)
            if client >= 0 {
                script(Connection(fd: client, server: self))
            }
            self.done.signal()
        }
        self.thread = thread
        thread.start()
    }

    fileprivate func record(_ bytes: [UInt8]) {
        lock.lock()
        received.append(contentsOf: bytes)
        lock.unlock()
    }

    var receivedText: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: received, as: UTF8.self)
    }

    /// Waits for the script to finish, then closes the listener.
    func finish(timeout: Double = 15) {
        _ = done.wait(timeout: .now() + timeout)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
