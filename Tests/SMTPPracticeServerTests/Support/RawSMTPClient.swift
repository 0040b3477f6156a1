import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking TCP client on loopback that speaks SMTP line by line, for driving the practice
/// server to an exact point of a session. Every wait is bounded by `timeout`; nothing here can
/// hang a test.
///
/// ```
/// let client = try RawSMTPClient(port: port)
/// #expect(try client.readReply().last == "220 practice.localhost ESMTP smtpsh practice server")
/// try client.send("EHLO client.example")
/// ```
final class RawSMTPClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One reply: its lines as received, without CRLF.
    struct ReplyLines: CustomStringConvertible {
        var lines: [String]
        var code: Int { Int(lines.last?.prefix(3) ?? "") ?? 0 }
        /// The last line (the whole reply when it has one line).
        var last: String { lines.last ?? "" }
        var description: String { lines.joined(separator: " | ") }
    }

    private(set) var fd: Int32
    let timeout: Double
    private var buffer: [UInt8] = []
    private(set) var closedByPeer = false
    /// The peer closed with a TCP reset (RST), not an orderly close.
    private(set) var resetByPeer = false

    init(port: Int, timeout: Double = 10) throws {
        self.timeout = timeout
        #if canImport(Glibc)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            _ = Glibc.close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): \(message)")
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// Sends `line` followed by CRLF.
    func send(_ line: String) throws {
        try sendRaw(Array((line + "\r\n").utf8))
    }

    /// Sends bytes as they are (no line end added).
    func sendRaw(_ bytes: [UInt8]) throws {
        var sent = 0
        let deadline = Date().addingTimeInterval(timeout)
        try bytes.withUnsafeBytes { raw in
            while sent < raw.count {
                guard try waitFor(events: Int16(POLLOUT), until: deadline) else {
                    throw Failure(description: "send: timed out after \(sent) of \(raw.count) octets")
                }
                let count = Glibc.send(
                    fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw Failure(description: "send: \(String(cString: strerror(errno)))")
                }
                sent += count
            }
        }
    }

    /// Reads one line (without its CRLF). Throws when the server closes or the time is up.
    func readLine() throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill(until: deadline) else {
                throw Failure(
                    description:
                        "the server closed the connection (pending: \(String(decoding: buffer, as: UTF8.self)))")
            }
        }
    }

    /// Reads a whole reply: continuation lines (`250-`) up to the last line (`250 `).
    func readReply() throws -> ReplyLines {
        var lines: [String] = []
        while true {
            let line = try readLine()
            lines.append(line)
            let bytes = Array(line.utf8)
            if bytes.count < 4 || bytes[3] != UInt8(ascii: "-") { return ReplyLines(lines: lines) }
        }
    }

    /// Sends a command and reads its reply.
    func command(_ line: String) throws -> ReplyLines {
        try send(line)
        return try readReply()
    }

    /// True when the server closes the connection within `seconds` and sent nothing more.
    /// Data that arrives instead is an error (it names what came).
    func waitForClose(seconds: Double = 5) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !buffer.isEmpty {
                throw Failure(
                    description: "expected the server to close, got: \(String(decoding: buffer, as: UTF8.self))")
            }
            do {
                if try !fill(until: deadline) { return true }
            } catch let failure as Failure where failure.description.hasPrefix("timed out") {
                return false
            }
        }
        return false
    }

    /// Reads whatever arrives until the server closes or `seconds` pass; returns it.
    func drain(seconds: Double) -> [UInt8] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard (try? fill(until: deadline)) == true else { break }
        }
        defer { buffer.removeAll() }
        return buffer
    }

    // MARK: - Helpers

    /// Reads more bytes into the buffer. False when the server closed the connection.
    private func fill(until deadline: Date) throws -> Bool {
        guard try waitFor(events: Int16(POLLIN), until: deadline) else {
            throw Failure(
                description:
                    "timed out after \(timeout) s waiting for the server (pending: \(String(decoding: buffer, as: UTF8.self)))"
            )
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
        if count == 0 {
            closedByPeer = true
            return false
        }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return true }
            if errno == ECONNRESET {
                closedByPeer = true
                resetByPeer = true
                return false
            }
            throw Failure(description: "recv: \(String(cString: strerror(errno)))")
        }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    private func waitFor(events: Int16, until deadline: Date) throws -> Bool {
        guard fd >= 0 else { throw Failure(description: "the connection is closed") }
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return false }
            var pollFD = pollfd(fd: fd, events: events, revents: 0)
            let result = poll(&pollFD, 1, Int32(min(remaining * 1000, 60_000)) + 1)
            if result < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "poll: \(String(cString: strerror(errno)))")
            }
            if result > 0 { return true }
        }
    }
}
