import SMTPCore

/// `--proxy URL`: the proxy a connection goes through, and how to ask it.
///
/// ```
/// socks5://127.0.0.1:1080             SOCKS5 (RFC 1928); the server's name is resolved by the proxy
/// socks5h://alice:secret@proxy:1080   the same (curl's name for it), with a user and password (RFC 1929)
/// http://proxy.example:3128           an HTTP proxy, asked with CONNECT (RFC 9110, 9.3.6)
/// ```
public struct ProxyConfiguration: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case socks5
        case httpConnect
    }

    public var kind: Kind
    public var host: String
    public var port: Int
    public var user: String?
    /// Never shown, recorded or logged.
    public var password: String?

    public init(kind: Kind, host: String, port: Int, user: String? = nil, password: String? = nil) {
        self.kind = kind
        self.host = host
        self.port = port
        self.user = user
        self.password = password
    }

    /// Reads `scheme://[user[:password]@]host[:port]`; the port defaults to 1080 (SOCKS) or
    /// 8080 (HTTP). `user`/`password` from the URL (percent-decoded) win over the ones given.
    public init(parsing text: String, user defaultUser: String? = nil, password defaultPassword: String? = nil) throws(ProxyURLError) {
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else { throw .notAURL(text) }
        let scheme = text[..<colon].lowercased()
        switch scheme {
        case "socks5", "socks5h": kind = .socks5
        case "http": kind = .httpConnect
        default: throw .unsupportedScheme(String(scheme))
        }
        var rest = String(text[text.index(colon, offsetBy: 3)...])
        if rest.hasSuffix("/") { rest.removeLast() }
        var user = defaultUser
        var password = defaultPassword
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = String(rest[rest.index(after: at)...])
            if let colon = credentials.firstIndex(of: ":") {
                user = Self.percentDecoded(credentials[..<colon])
                password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
            } else {
                user = Self.percentDecoded(credentials)
            }
        }
        guard !rest.contains("/") else { throw .notAURL(text) }
        let address: ServerAddress
        do throws(AddressError) {
            address = try ServerAddress(parsing: rest, defaultPort: kind == .socks5 ? 1080 : 8080)
        } catch {
            throw .badAddress(text)
        }
        guard address.unixPath == nil else { throw .badAddress(text) }
        host = address.host
        port = address.port
        // RFC 1929: each at most 255 octets.
        if let user, user.utf8.count > 255 { throw .credentialsTooLong }
        if let password, password.utf8.count > 255 { throw .credentialsTooLong }
        self.user = user
        self.password = password
    }

    /// `socks5://127.0.0.1:1080`, `http://proxy:3128`, with the user but never the password.
    public var description: String {
        let scheme = kind == .socks5 ? "socks5" : "http"
        let who = user.map { "\(Self.percentEncoded($0))@" } ?? ""
        let where_ = ServerAddress(host: host, port: port).description
        return "\(scheme)://\(who)\(where_)"
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), high < utf8.endIndex,
                let low = utf8.index(index, offsetBy: 2, limitedBy: utf8.endIndex), low < utf8.endIndex,
                let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A user name as a URL carries it (RFC 3986: unreserved characters as they are).
    static func percentEncoded(_ text: String) -> String {
        PercentEncoding.encode(text, keeping: "-._~")
    }
}

/// What is wrong with `--proxy` as written (the words are the presentation's).
public enum ProxyURLError: Error, Hashable, Sendable {
    case notAURL(String)
    case unsupportedScheme(String)
    case badAddress(String)
    case credentialsTooLong
}

/// Why a proxy did not open the way to the server.
public enum ProxyFailure: Hashable, Sendable {
    /// SOCKS5: the proxy accepts none of the methods offered (no method 0 or 2 it takes).
    case noAcceptableMethod
    /// SOCKS5: the proxy asks for a user and password and none was given.
    case credentialsRequired
    /// The proxy refused the user and password.
    case authenticationFailed
    /// SOCKS5's reply code to CONNECT (RFC 1928, 6): 1 general failure … 8 address type not supported.
    case socksReply(UInt8)
    /// HTTP: the status line of a reply that is not 2xx (`403 Forbidden`).
    case httpStatus(Int, String)
    /// Bytes that are not the protocol's, or too many of them.
    case malformed
    /// The proxy closed the connection before the way was open.
    case closed
    /// SOCKS5: the proxy closed the connection without choosing a method from those offered
    /// (microsocks does so when it wants a user and password and none was offered).
    case closedBeforeMethod
}
