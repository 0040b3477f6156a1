import SMTPCore

/// The client's side of a SOCKS5 handshake (RFC 1928), with a user and password when given
/// (RFC 1929), pure: bytes in, bytes to send or the outcome out. The server's name goes to
/// the proxy as a name (ATYP 3), so the proxy resolves it (what curl calls socks5h).
///
/// ```
/// C: 05 01 00                      version 5, one method: no authentication (02 too with a user)
/// S: 05 00                         method chosen
/// C: 05 01 00 03 <len> <name> <port>   CONNECT name:port
/// S: 05 00 00 01 <addr> <port>     succeeded (the address the proxy bound)
/// ```
public struct SOCKS5Handshake: Sendable {
    public enum Step: Equatable, Sendable {
        case send([UInt8])
        /// More bytes are needed.
        case wait
        /// The way is open; bytes after the proxy's reply are the server's.
        case connected(leftover: [UInt8])
        case failed(ProxyFailure)
    }

    private enum State {
        case method
        case authentication
        case connect
        case done
    }

    let host: String
    let port: Int
    let user: String?
    let password: String?
    private var state = State.method
    private var buffer: [UInt8] = []

    public init(host: String, port: Int, user: String?, password: String?) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
    }

    /// The proxy has not chosen a method yet.
    public var awaitingMethod: Bool { state == .method }

    /// The first bytes: the methods offered.
    public func greeting() -> [UInt8] {
        user == nil ? [5, 1, 0] : [5, 2, 0, 2]
    }

    public mutating func receive(_ bytes: [UInt8]) -> Step {
        buffer += bytes
        switch state {
        case .method:
            guard buffer.count >= 2 else { return .wait }
            let (version, method) = (buffer[0], buffer[1])
            buffer.removeFirst(2)
            guard version == 5 else { return fail(.malformed) }
            switch method {
            case 0:
                return connectRequest()
            case 2:
                guard let user else { return fail(.credentialsRequired) }
                state = .authentication
                let name = Array(user.utf8), secret = Array((password ?? "").utf8)
                return .send([1, UInt8(name.count)] + name + [UInt8(secret.count)] + secret)
            default:
                // 0xFF: no acceptable method (or one this client never offered). Offered only
                // "none", the proxy most likely wants a user and password.
                return fail(user == nil ? .credentialsRequired : .noAcceptableMethod)
            }
        case .authentication:
            guard buffer.count >= 2 else { return .wait }
            let status = buffer[1]
            buffer.removeFirst(2)
            guard status == 0 else { return fail(.authenticationFailed) }
            return connectRequest()
        case .connect:
            guard buffer.count >= 5 else { return .wait }
            guard buffer[0] == 5 else { return fail(.malformed) }
            guard buffer[1] == 0 else { return fail(.socksReply(buffer[1])) }
            let addressLength: Int
            switch buffer[3] {
            case 1: addressLength = 4
            case 4: addressLength = 16
            case 3: addressLength = 1 + Int(buffer[4])
            default: return fail(.malformed)
            }
            let total = 4 + addressLength + 2
            guard buffer.count >= total else { return .wait }
            state = .done
            let leftover = Array(buffer[total...])
            buffer = []
            return .connected(leftover: leftover)
        case .done:
            return .connected(leftover: [])
        }
    }

    private mutating func connectRequest() -> Step {
        state = .connect
        var request: [UInt8] = [5, 1, 0]
        if let ipv4 = Self.ipv4(host) {
            request += [1] + ipv4
        } else {
            let name = Array(host.utf8.prefix(255))
            request += [3, UInt8(name.count)] + name
        }
        request += [UInt8(port >> 8), UInt8(port & 0xFF)]
        return .send(request)
    }

    private mutating func fail(_ failure: ProxyFailure) -> Step {
        state = .done
        buffer = []
        return .failed(failure)
    }

    /// `192.0.2.1` as four octets (an IPv6 literal goes as a name: proxies resolve it).
    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { UInt8($0) }
        return octets.count == 4 ? octets : nil
    }
}

/// The client's side of an HTTP CONNECT (RFC 9110, 9.3.6), pure: the request, then the
/// reply's head read up to its blank line (16 KiB at most).
///
/// ```
/// C: CONNECT mail.example.org:25 HTTP/1.1
/// C: Host: mail.example.org:25
/// C:
/// S: HTTP/1.1 200 Connection established
/// S:
/// ```
public struct HTTPConnectHandshake: Sendable {
    let host: String
    let port: Int
    let user: String?
    let password: String?
    private var buffer: [UInt8] = []
    private var done = false
    static let maximumHead = 16 * 1024

    public init(host: String, port: Int, user: String?, password: String?) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
    }

    public func request() -> [UInt8] {
        let authority = ServerAddress(host: host, port: port).description
        var text = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let user {
            text += "Proxy-Authorization: Basic " + Base64.encode(Array("\(user):\(password ?? "")".utf8)) + "\r\n"
        }
        return Array((text + "\r\n").utf8)
    }

    public mutating func receive(_ bytes: [UInt8]) -> SOCKS5Handshake.Step {
        guard !done else { return .connected(leftover: []) }
        buffer += bytes
        guard let end = Self.endOfHead(buffer) else {
            if buffer.count > Self.maximumHead {
                done = true
                return .failed(.malformed)
            }
            return .wait
        }
        done = true
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        let leftover = Array(buffer[(end + 4)...])
        buffer = []
        let statusLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let words = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else { return .failed(.malformed) }
        guard (200...299).contains(status) else {
            if status == 407 && user == nil { return .failed(.credentialsRequired) }
            if status == 407 { return .failed(.authenticationFailed) }
            return .failed(.httpStatus(status, words.count > 2 ? String(words[2].prefix(200)) : ""))
        }
        return .connected(leftover: leftover)
    }

    /// Where `\r\n\r\n` starts.
    static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
