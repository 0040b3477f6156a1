import NIOCore
/// Where to connect, as the user wrote it: `host`, `host:port`, `[v6]:port`, `[v6]`, a bare
/// IPv6 address, `host` with a separate port argument, or `unix:/path` (a UNIX-domain
/// socket: LMTP delivery agents, local listeners).
public struct ServerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `unix:/path`: the socket's path (then `host` is `localhost`, for TLS's name check).
    public var unixPath: String?

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// A UNIX-domain socket.
    public init(unixPath: String) {
        self.host = "localhost"
        self.port = 0
        self.unixPath = unixPath
    }

    /// The longest path a UNIX-domain socket address holds (`sun_path`, less its NUL).
    public static let maximumUnixPathLength = 107

    /// Parses the HOST [PORT] arguments; `defaultPort` when neither gives one.
    public init(parsing text: String, port portArgument: String? = nil, defaultPort: Int) throws(AddressError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard portArgument == nil else { throw .portWithUnixSocket(text, port: portArgument!) }
            guard !path.isEmpty else { throw .noHost(text) }
            guard path.utf8.count <= Self.maximumUnixPathLength else { throw .unixPathTooLong(path, limit: Self.maximumUnixPathLength) }
            self = ServerAddress(unixPath: path)
            return
        }
        var host = text
        var port: String?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .missingBracket(text) }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { throw .portAfterBracket(text) }
                port = String(rest.dropFirst())
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            port = String(text[text.index(after: colon)...])
        } else if text.contains(":"), (try? SocketAddress(ipAddress: text, port: 0)) == nil {
            // Several colons and not an IPv6 address: `127.0.0.1:2525:25`.
            throw .malformed(text)
        }
        if let portArgument {
            guard port == nil else { throw .portTwice(text, port: portArgument) }
            port = portArgument
        }
        guard !host.isEmpty else { throw .noHost(text) }
        guard host.utf8.count <= 253, !host.contains(where: { $0 == " " || $0 == "/" }) else { throw .notAHost(host) }
        self.host = host
        if let port {
            guard let number = Int(port), (1...65535).contains(number) else {
                throw .badPort(port)
            }
            self.port = number
        } else {
            self.port = defaultPort
        }
    }

    /// The family of the host when it is an address literal (`nil` for a name).
    public var literalFamily: AddressFamilyPreference? {
        guard unixPath == nil, let address = try? SocketAddress(ipAddress: host, port: 0) else { return nil }
        return address.protocol == .inet6 ? .ipv6 : .ipv4
    }

    /// `host:port`, with brackets around an IPv6 address; `unix:/path`.
    public var description: String {
        if let unixPath { return "unix:" + unixPath }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// What is wrong with an address as the user wrote it (the words are the presentation's).
public enum AddressError: Error, Hashable, Sendable {
    case missingBracket(String)
    case portAfterBracket(String)
    case malformed(String)
    case portTwice(String, port: String)
    case noHost(String)
    case notAHost(String)
    case badPort(String)
    /// `--dns-server` takes an IP address and a port.
    case dnsServer(String)
    /// `unix:/path` and a port: a socket has none.
    case portWithUnixSocket(String, port: String)
    /// A socket path longer than the system takes.
    case unixPathTooLong(String, limit: Int)
}
