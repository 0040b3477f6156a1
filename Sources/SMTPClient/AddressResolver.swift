import Dispatch
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// GNU extensions that Swift's Glibc module does not export (values from glibc's netdb.h).
#if os(Linux)
private let eaiAddressFamily: Int32 = -9
private let eaiNoData: Int32 = -5
#else
private let eaiAddressFamily: Int32 = EAI_NONAME
private let eaiNoData: Int32 = EAI_NONAME
#endif

/// Which address families to try (`-4`, `-6`, or both).
public enum AddressFamilyPreference: Hashable, Sendable {
    case any
    case ipv4
    case ipv6
}

/// Resolves a host name to the addresses to try, in the system's order (getaddrinfo).
public enum AddressResolver {
    public static func resolve(
        _ host: String,
        port: Int,
        family: AddressFamilyPreference
    ) async throws(ConnectError) -> [SocketAddress] {
        if let literal = try literal(host, port: port, family: family) { return [literal] }
        let result: Result<[SocketAddress], ConnectError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: resolveBlocking(host, port: port, family: family))
            }
        }
        return try result.get()
    }

    /// The same, on the calling thread (getaddrinfo blocks it while it asks).
    public static func resolveWaiting(
        _ host: String,
        port: Int,
        family: AddressFamilyPreference
    ) throws(ConnectError) -> [SocketAddress] {
        if let literal = try literal(host, port: port, family: family) { return [literal] }
        return try resolveBlocking(host, port: port, family: family).get()
    }

    /// An address literal needs no resolver: its address, or `nil` for a name.
    private static func literal(_ host: String, port: Int, family: AddressFamilyPreference) throws(ConnectError) -> SocketAddress? {
        guard let literal = try? SocketAddress(ipAddress: host, port: port) else { return nil }
        switch (family, literal.protocol) {
        case (.ipv4, .inet6): throw .nameNotFound(host, family: .ipv4)
        case (.ipv6, .inet): throw .nameNotFound(host, family: .ipv6)
        default: return literal
        }
    }

    static func resolveBlocking(_ host: String, port: Int, family: AddressFamilyPreference) -> Result<[SocketAddress], ConnectError> {
        var hints = addrinfo()
        switch family {
        case .any: hints.ai_family = AF_UNSPEC
        case .ipv4: hints.ai_family = AF_INET
        case .ipv6: hints.ai_family = AF_INET6
        }
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        var status = getaddrinfo(host, String(port), &hints, &list)
        if status == EAI_NONAME || status == eaiAddressFamily || status == eaiNoData {
            // AI_ADDRCONFIG hides ::1 when no interface has IPv6; ask again without it.
            hints.ai_flags = 0
            status = getaddrinfo(host, String(port), &hints, &list)
        }
        guard status == 0, let first = list else {
            switch status {
            case EAI_NONAME, eaiNoData, eaiAddressFamily:
                return .failure(.nameNotFound(host, family: family))
            default:
                return .failure(.resolverFailure(host, reason: String(cString: gai_strerror(status))))
            }
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var pointer: UnsafeMutablePointer<addrinfo>? = first
        while let info = pointer {
            if let sockaddr = info.pointee.ai_addr {
                switch info.pointee.ai_family {
                case AF_INET:
                    sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        addresses.append(SocketAddress($0.pointee, host: host))
                    }
                case AF_INET6:
                    sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        addresses.append(SocketAddress($0.pointee, host: host))
                    }
                default:
                    break
                }
            }
            pointer = info.pointee.ai_next
        }
        var seen: Set<String> = []
        addresses = addresses.filter { seen.insert($0.description).inserted }
        return addresses.isEmpty ? .failure(.nameNotFound(host)) : .success(addresses)
    }
}
