import Foundation
@testable import SMTPClient

#if canImport(Glibc)
import Glibc
#endif

/// A DNS server on 127.0.0.1 (UDP, a free port) answering from a table, for --mx and
/// --dns-server tests. Names missing from the table get NXDOMAIN.
final class FakeDNSServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private var running = true
    private let lock = NSLock()
    private(set) var queries: [String] = []

    init(records: [String: [DNSResponse.Answer]]) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1500)
            while self.isRunning {
                var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pollfd, 1, 100) > 0 else { continue }
                var from = sockaddr_storage()
                var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &fromLength) }
                }
                guard count > 12 else { continue }
                let request = Array(buffer[0..<count])
                var offset = 12
                guard let name = try? DNSResponse.readName(request, at: &offset), offset + 2 <= request.count else { continue }
                let type = UInt16(request[offset]) << 8 | UInt16(request[offset + 1])
                guard let recordType = DNSRecordType(rawValue: type) else { continue }
                let id = UInt16(request[0]) << 8 | UInt16(request[1])
                self.record("\(name) \(type)")
                let all = records[name.lowercased()]
                let answers = (all ?? []).filter {
                    switch ($0, recordType) {
                    case (.mx, .mx), (.a, .a), (.aaaa, .aaaa): true
                    default: false
                    }
                }
                guard let reply = try? DNSResponse.encode(id: id, question: DNSQuery(id: id, name: name, type: recordType), responseCode: all == nil ? 3 : 0, answers: answers) else { continue }
                _ = withUnsafePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, fromLength) }
                }
            }
        }
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func record(_ query: String) {
        lock.lock()
        queries.append(query)
        lock.unlock()
    }

    func stop() {
        lock.lock()
        running = false
        lock.unlock()
        usleep(150_000)
        close(fd)
    }
}
