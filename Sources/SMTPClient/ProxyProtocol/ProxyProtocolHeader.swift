#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `--proxy-protocol v1|v2`: the header of HAProxy's PROXY protocol, written before the
/// connection's first byte, that tells a server behind a load balancer which client and
/// which address the connection is really for (Postfix's `smtpd_upstream_proxy_protocol =
/// haproxy`, Exim's `hosts_proxy`, Dovecot's `haproxy_trusted_networks`).
///
/// ```
/// v1  PROXY TCP4 127.0.0.77 127.0.0.1 40000 25\r\n
/// v2  \r\n\r\n\0\r\nQUIT\n  0x21  0x11  0x000C  <source ip> <destination ip> <ports>
/// ```
///
/// The addresses claimed are the ones given, else the connection's own. A connection with
/// no IP address (a UNIX-domain socket) and no claim is sent as `PROXY UNKNOWN` (v1) or the
/// `LOCAL` command (v2): the server keeps the connection's own addresses.
public struct ProxyProtocolHeader: Hashable, Sendable {
    public enum Version: String, Hashable, Sendable, CaseIterable {
        case v1, v2
    }

    /// An IP address and a port: what the header claims for one end.
    public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
        /// The address's bytes: 4 (IPv4) or 16 (IPv6).
        public var address: [UInt8]
        public var port: Int

        public init?(ip: String, port: Int) {
            guard (0...65535).contains(port), let address = Self.bytes(ofIP: ip) else { return nil }
            self.address = address
            self.port = port
        }

        public var isIPv6: Bool { address.count == 16 }

        /// `127.0.0.77`, `::1`: the address as inet_ntop writes it.
        public var ip: String {
            var text = [CChar](repeating: 0, count: 64)
            let family = isIPv6 ? AF_INET6 : AF_INET
            let written = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
            guard written != nil else { return "" }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        public var description: String { isIPv6 ? "[\(ip)]:\(port)" : "\(ip):\(port)" }

        /// The bytes of an IPv4 or IPv6 literal (no name, no zone), or nil.
        static func bytes(ofIP text: String) -> [UInt8]? {
            guard !text.isEmpty, text.utf8.count < 64, !text.contains("%") else { return nil }
            var v4 = [UInt8](repeating: 0, count: 4)
            if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
            var v6 = [UInt8](repeating: 0, count: 16)
            if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
            return nil
        }
    }

    /// What the user claims for one end: an address, and a port or the connection's.
    public struct Claim: Hashable, Sendable, CustomStringConvertible {
        public var ip: String
        public var port: Int?

        /// `127.0.0.77`, `127.0.0.77:40000`, `::1`, `[::1]:25`. Nil when it is not an IP
        /// address (a name is not: the header carries addresses) or the port is not one.
        public init?(parsing text: String) {
            var host = Substring(text)
            var port: Int?
            if host.hasPrefix("[") {
                guard let close = host.firstIndex(of: "]") else { return nil }
                let rest = host[host.index(after: close)...]
                host = host[host.index(after: host.startIndex)..<close]
                if !rest.isEmpty {
                    guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { return nil }
                    port = number
                }
            } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
                guard let number = Int(host[host.index(after: colon)...]) else { return nil }
                port = number
                host = host[..<colon]
            }
            if let port, !(0...65535).contains(port) { return nil }
            guard Endpoint.bytes(ofIP: String(host)) != nil else { return nil }
            self.ip = String(host)
            self.port = port
        }

        public var description: String {
            let address = ip.contains(":") ? "[\(ip)]" : ip
            return port.map { "\(address):\($0)" } ?? address
        }
    }

    /// Why no header could be written.
    public enum Problem: Error, Hashable, Sendable {
        /// One end is IPv4 and the other IPv6: a header names one family.
        case mixedFamilies(source: String, destination: String)
        /// One end is claimed and the other has no IP address to go with it (a UNIX socket).
        case noAddress(claimed: String)
    }

    public var version: Version
    public var source: Claim?
    public var destination: Claim?

    public init(version: Version, source: Claim? = nil, destination: Claim? = nil) {
        self.version = version
        self.source = source
        self.destination = destination
    }

    /// The header for a connection between `local` and `remote` (their IP and port, nil
    /// for a UNIX socket), with the claims in place of what they name; and what it says, as
    /// v1 writes it (`PROXY TCP4 127.0.0.77 127.0.0.1 40000 25`, `PROXY UNKNOWN`), for both.
    public func header(local: (ip: String, port: Int)?, remote: (ip: String, port: Int)?) throws(Problem) -> (bytes: [UInt8], text: String) {
        func end(_ claim: Claim?, _ actual: (ip: String, port: Int)?) -> Endpoint? {
            if let claim { return Endpoint(ip: claim.ip, port: claim.port ?? actual?.port ?? 0) }
            return actual.flatMap { Endpoint(ip: $0.ip, port: $0.port) }
        }
        guard let from = end(source, local), let to = end(destination, remote) else {
            if let claimed = source ?? destination { throw .noAddress(claimed: claimed.description) }
            // v2's LOCAL command: the server keeps the connection's own addresses.
            return version == .v1 ? (Array("PROXY UNKNOWN\r\n".utf8), "PROXY UNKNOWN") : (Self.signature + [0x20, 0x00, 0x00, 0x00], "LOCAL")
        }
        guard from.isIPv6 == to.isIPv6 else { throw .mixedFamilies(source: from.description, destination: to.description) }
        let text = "PROXY \(from.isIPv6 ? "TCP6" : "TCP4") \(from.ip) \(to.ip) \(from.port) \(to.port)"
        switch version {
        case .v1:
            return (Array((text + "\r\n").utf8), text)
        case .v2:
            // Version 2, command PROXY; AF_INET or AF_INET6 over a stream; then the length.
            let ports = [UInt8(from.port >> 8), UInt8(from.port & 0xFF), UInt8(to.port >> 8), UInt8(to.port & 0xFF)]
            let body = from.address + to.address + ports
            return (Self.signature + [0x21, from.isIPv6 ? 0x21 : 0x11, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body, text)
        }
    }

    /// v2's first twelve bytes.
    public static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

}
