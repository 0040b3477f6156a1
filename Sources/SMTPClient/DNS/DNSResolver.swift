#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOCore
import NIOPosix

/// Asks a DNS server (the system's from /etc/resolv.conf, or `--dns-server`) over UDP.
public struct DNSResolver: Sendable {
    public var server: SocketAddress
    public var timeout: Double
    let group: EventLoopGroup

    public init(server: SocketAddress, timeout: Double, group: EventLoopGroup) {
        self.server = server
        self.timeout = timeout
        self.group = group
    }

    /// `ADDR` or `ADDR:PORT` or `[v6]:PORT`; port 53 by default.
    public static func parseServer(_ text: String) throws(AddressError) -> SocketAddress {
        let address = try ServerAddress(parsing: text, defaultPort: 53)
        do {
            return try SocketAddress(ipAddress: address.host, port: address.port)
        } catch {
            throw AddressError.dnsServer(text)
        }
    }

    /// The first nameserver of /etc/resolv.conf.
    public static func systemServer() throws(DNSError) -> SocketAddress {
        guard let text = try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) else { throw .noServer }
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count >= 2, words[0] == "nameserver", let address = try? SocketAddress(ipAddress: String(words[1]), port: 53) {
                return address
            }
        }
        throw .noServer
    }

    public func query(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSResponse {
        let id = UInt16.random(in: 1...UInt16.max)
        let request = try DNSQuery(id: id, name: name, type: type).encoded()
        let server = self.server
        let channel: Channel
        do {
            // Connected: a server with nothing on its port answers ICMP "port unreachable",
            // which a connected socket reports at once (ECONNREFUSED) instead of a timeout.
            channel = try await DatagramBootstrap(group: group).connect(to: server).get()
        } catch {
            throw .noSocket(server.displayString)
        }
        defer { channel.close(promise: nil) }
        let loop = channel.eventLoop
        let timeout = self.timeout
        let future: EventLoopFuture<[UInt8]> = loop.flatSubmit {
            let promise = loop.makePromise(of: [UInt8].self)
            let handler = DNSReplyHandler(id: id, server: server.displayString, promise: promise)
            do {
                try channel.pipeline.syncOperations.addHandler(handler)
            } catch {
                promise.fail(error)
                return promise.futureResult
            }
            let boundHandler = NIOLoopBound(handler, eventLoop: loop)
            let timer = loop.scheduleTask(in: .nanoseconds(Int64(timeout * 1e9))) {
                boundHandler.value.complete(.failure(DNSError.timedOut(server.displayString)))
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            var buffer = channel.allocator.buffer(capacity: request.count)
            buffer.writeBytes(request)
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer), promise: nil)
            return promise.futureResult
        }
        do {
            let bytes = try await future.get()
            return try DNSResponse(parsing: bytes)
        } catch let error as DNSError {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// MX hosts for a domain, lowest preference first (RFC 5321, section 5.1). With no MX
    /// record, the domain itself (its "implicit MX"); NXDOMAIN is an error.
    public func mailExchangers(for domain: String) async throws(ConnectError) -> [String] {
        let response: DNSResponse
        do {
            response = try await query(domain, type: .mx)
        } catch {
            throw .dnsFailure(domain, error)
        }
        switch response.responseCode {
        case 0: break
        case 3: throw .nameNotFound(domain)
        default: throw .dnsFailure(domain, .serverError(Int(response.responseCode)))
        }
        let records = response.answers.compactMap { answer -> (UInt16, String)? in
            if case .mx(let preference, let exchange) = answer { return (preference, exchange) }
            return nil
        }
        if records.isEmpty { return [domain] }
        // RFC 7505: a single "0 ." null MX says the domain takes no mail.
        if records.count == 1, records[0].1.isEmpty { throw .nullMX(domain) }
        return records.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
    }

    /// Addresses of a host asked of this server (A, then AAAA), for split DNS.
    public func addresses(of host: String, port: Int, family: AddressFamilyPreference) async throws(ConnectError) -> [SocketAddress] {
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return [literal] }
        var result: [SocketAddress] = []
        var sawName = false
        for type in family == .ipv6 ? [DNSRecordType.aaaa] : family == .ipv4 ? [.a] : [.a, .aaaa] {
            let response: DNSResponse
            do {
                response = try await query(host, type: type)
            } catch {
                throw .dnsFailure(host, error)
            }
            if response.responseCode == 0 { sawName = true }
            for answer in response.answers {
                switch answer {
                case .a(let bytes): if let address = try? SocketAddress(ipAddress: bytes.map(String.init).joined(separator: "."), port: port) { result.append(address) }
                case .aaaa(let bytes):
                    let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                    if let address = try? SocketAddress(ipAddress: groups.joined(separator: ":"), port: port) { result.append(address) }
                default: break
                }
            }
        }
        guard !result.isEmpty else { throw sawName ? .dnsFailure(host, .noAddressRecords) : .nameNotFound(host) }
        return result
    }
}
