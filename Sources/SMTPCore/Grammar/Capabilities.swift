/// One service extension advertised in an EHLO reply (RFC 5321, section 4.1.1.1).
///
/// ```
/// S: 250-mail.example.org greets client.example
/// S: 250-SIZE 35882577            ← keyword SIZE, parameter "35882577"
/// S: 250-AUTH PLAIN LOGIN         ← keyword AUTH, parameters PLAIN, LOGIN
/// S: 250 STARTTLS
/// ```
public struct Capability: Hashable, Sendable, CustomStringConvertible {
    /// The keyword, upper case (`ehlo-keyword` is case-insensitive).
    public var keyword: String
    public var parameters: [String]

    public init(keyword: String, parameters: [String] = []) {
        self.keyword = keyword.uppercased()
        self.parameters = parameters
    }

    /// Parses one line of EHLO text (`SIZE 1000`, `AUTH=LOGIN PLAIN`); `nil` for a blank line.
    public init?(line: String) {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard var first = words.first else { return nil }
        var parameters = words.dropFirst().map(String.init)
        // Old servers write `AUTH=LOGIN PLAIN` (pre-RFC 4954 syntax).
        if let equals = first.firstIndex(of: "="), first[..<equals].uppercased() == "AUTH" {
            let value = first[first.index(after: equals)...]
            if !value.isEmpty { parameters.insert(String(value), at: 0) }
            first = first[..<equals]
        }
        self.init(keyword: String(first), parameters: parameters)
    }

    public var description: String { ([keyword] + parameters).joined(separator: " ") }

    public static let pipelining = "PIPELINING"
    public static let size = "SIZE"
    public static let startTLS = "STARTTLS"
    public static let auth = "AUTH"
    public static let eightBitMIME = "8BITMIME"
    public static let smtpUTF8 = "SMTPUTF8"
    public static let chunking = "CHUNKING"
    public static let binaryMIME = "BINARYMIME"
    public static let dsn = "DSN"
    public static let enhancedStatusCodes = "ENHANCEDSTATUSCODES"
    public static let requireTLS = "REQUIRETLS"
}

/// What a server said about itself in its reply to EHLO (RFC 5321, section 4.1.1.1).
///
/// The first line is the server's domain and a greeting; each further line an extension.
/// Unknown keywords are kept as they are. RFC 3207 and RFC 4954: everything here is
/// forgotten after STARTTLS and must be asked again.
public struct ServerCapabilities: Hashable, Sendable {
    /// The domain the server gave on the first line.
    public var domain: String
    /// The rest of the first line.
    public var greeting: String
    /// Extensions in the order advertised (the same keyword may appear more than once).
    public var capabilities: [Capability]

    public init(domain: String, greeting: String = "", capabilities: [Capability]) {
        self.domain = domain
        self.greeting = greeting
        self.capabilities = capabilities
    }

    /// Reads a 250 reply to EHLO; `nil` for any other code.
    public init?(ehloReply reply: Reply) {
        guard reply.code == .ok else { return nil }
        let texts = reply.textLines
        let first = texts[0].split(separator: " ", maxSplits: 1)
        self.domain = first.first.map(String.init) ?? ""
        self.greeting = first.count > 1 ? String(first[1]) : ""
        self.capabilities = texts.dropFirst().compactMap(Capability.init(line:))
    }

    public func capability(_ keyword: String) -> Capability? {
        let keyword = keyword.uppercased()
        return capabilities.first { $0.keyword == keyword }
    }

    public func supports(_ keyword: String) -> Bool { capability(keyword) != nil }

    /// The SIZE extension as advertised (RFC 1870).
    public var size: SizeLimit? {
        guard let capability = capability(Capability.size) else { return nil }
        return SizeLimit(parameters: capability.parameters)
    }

    /// AUTH mechanisms, upper case, from every AUTH line (RFC 4954).
    public var authMechanisms: [String] {
        var seen: Set<String> = []
        return capabilities.filter { $0.keyword == Capability.auth }
            .flatMap(\.parameters)
            .map { $0.uppercased() }
            .filter { seen.insert($0).inserted }
    }

    public var keywords: [String] { capabilities.map(\.keyword) }
}

/// The SIZE extension's parameter (RFC 1870, section 4).
public enum SizeLimit: Hashable, Sendable {
    /// `SIZE` alone or `SIZE 0`: the server declares no fixed maximum.
    case noFixedLimit
    /// `SIZE n`: messages over n octets are refused.
    case limit(UInt64)
    /// A parameter that is not a number of octets (`SIZE -1`, `SIZE 99999999999999999999`).
    case invalid(String)

    public init(parameters: [String]) {
        guard let text = parameters.first else {
            self = .noFixedLimit
            return
        }
        guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ (48...57).contains($0) }),
            let value = UInt64(text)
        else {
            self = .invalid(String(text.prefix(64)))
            return
        }
        self = value == 0 ? .noFixedLimit : .limit(value)
    }
}
