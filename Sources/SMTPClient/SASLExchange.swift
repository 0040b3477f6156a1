import Crypto
import SMTPCore

/// The mechanisms smtpsh can speak for the user (`:auth MECH`).
public enum SASLMechanism: String, CaseIterable, Sendable {
    case plain = "PLAIN"
    case login = "LOGIN"
    case cramMD5 = "CRAM-MD5"
    case xoauth2 = "XOAUTH2"
    case oauthBearer = "OAUTHBEARER"

    public init?(name: String) {
        self.init(rawValue: name.uppercased())
    }

    /// The secret is an OAuth 2.0 access token, not a password.
    public var takesToken: Bool { self == .xoauth2 || self == .oauthBearer }
}

/// One AUTH exchange as the client leads it: the command, then the answer to each 334.
///
/// ```
/// PLAIN        AUTH PLAIN base64("\0user\0password")                       (RFC 4616)
/// LOGIN        AUTH LOGIN; 334 "Username:" → base64(user); "Password:" → base64(password)
/// CRAM-MD5     AUTH CRAM-MD5; 334 challenge → base64("user " + hex(HMAC-MD5(password, challenge)))  (RFC 2195)
/// XOAUTH2      AUTH XOAUTH2 base64("user=U\x01auth=Bearer T\x01\x01"); an error 334 → empty line
/// OAUTHBEARER  AUTH OAUTHBEARER base64("n,a=U,\x01auth=Bearer T\x01\x01"); an error 334 → "\x01"  (RFC 7628)
/// ```
public struct SASLExchange: Sendable {
    public let mechanism: SASLMechanism
    public let user: String
    let secret: String
    private var answered = 0
    /// Whether the last answer (``respond(to:)``) carries the secret: LOGIN's answer to
    /// "Username:" is only the user name, shown as sent; every other answer is redacted.
    public private(set) var lastAnswerCarriesSecret = true

    public init(mechanism: SASLMechanism, user: String, secret: String) {
        self.mechanism = mechanism
        self.user = user
        self.secret = secret
    }

    /// The AUTH line, with the initial response where the mechanism has one.
    public var command: String {
        switch mechanism {
        case .plain:
            return "AUTH PLAIN " + Base64.encode([0] + Array(user.utf8) + [0] + Array(secret.utf8))
        case .login, .cramMD5:
            return "AUTH " + mechanism.rawValue
        case .xoauth2:
            return "AUTH XOAUTH2 " + Base64.encode(Array("user=\(user)\u{01}auth=Bearer \(secret)\u{01}\u{01}".utf8))
        case .oauthBearer:
            return "AUTH OAUTHBEARER " + Base64.encode(Array("n,a=\(user),\u{01}auth=Bearer \(secret)\u{01}\u{01}".utf8))
        }
    }

    /// The command line carries the secret (it must be shown and kept redacted).
    public var commandCarriesSecret: Bool { mechanism != .login && mechanism != .cramMD5 }

    /// The answer to a 334 whose text is `challenge` (base64, as received).
    public mutating func respond(to challenge: String) -> String {
        defer { answered += 1 }
        let decoded = Base64.decode(challenge.trimmingCharacters(in: " ")) ?? []
        switch mechanism {
        case .login:
            let prompt = String(decoding: decoded, as: UTF8.self).lowercased()
            let wantsUser = prompt.contains("user") || (!prompt.contains("pass") && answered == 0)
            lastAnswerCarriesSecret = !wantsUser
            return Base64.encode(Array((wantsUser ? user : secret).utf8))
        case .cramMD5:
            let key = SymmetricKey(data: Array(secret.utf8))
            let digest = HMAC<Insecure.MD5>.authenticationCode(for: decoded, using: key)
            let hex = digest.map { byte in
                let text = String(byte, radix: 16)
                return byte < 16 ? "0" + text : text
            }.joined()
            return Base64.encode(Array("\(user) \(hex)".utf8))
        case .xoauth2:
            return ""  // the 334 carries an error in JSON: an empty line ends the exchange
        case .oauthBearer:
            return Base64.encode([0x01])
        case .plain:
            return ""  // PLAIN's response went with the command; a 334 asks for it again
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text.removeFirst() }
        while text.last == character { text.removeLast() }
        return String(text)
    }
}

extension SASLExchange: SASLClient {}
