import SMTPCore

/// Everything that decides how the practice server behaves.
public struct PracticeServerConfiguration: Sendable {
    /// The name in the greeting and replies. `.localhost` names never leave the machine.
    public var hostname = "practice.localhost"
    public var style = ReplyStyle.standard
    /// Scenario rules, applied in order; the first that matches wins.
    public var rules: [ScenarioRule] = []
    /// The practice account for AUTH (documented default: student / practice).
    public var user = "student"
    public var password = "practice"
    /// More accounts, a student each (`--accounts FILE`): user name → password.
    public var accounts: [String: String] = [:]
    /// Any user name logs in with the practice password (`--any-user`): each student under
    /// a name of their own, which the session's log file takes.
    public var anyUser = false
    /// Largest message accepted, in octets (advertised as SIZE).
    public var maximumMessageSize: UInt64 = 52_428_800
    /// Recipients accepted per message (the 452 after them counts accepted recipients only).
    public var maximumRecipients = 100
    /// The domains the server takes mail for; a recipient elsewhere is refused (550 5.7.1
    /// relay access denied) unless the client logged in. `nil`: every domain is local.
    public var localDomains: Set<String>?
    /// Whether EHLO lists AUTH and AUTH works (`auth: no` in a scenario).
    public var offersAuth = true
    /// Longest command line accepted, without CRLF (RFC 5321 says 510; AUTH lines need more).
    public var maximumLineLength = 4096
    /// Refuse mail commands until STARTTLS (530).
    public var requireTLS = false
    /// Refuse MAIL until AUTH succeeded (530).
    public var requireAuth = false
    /// Refuse AUTH PLAIN/LOGIN without TLS (538).
    public var authRequiresTLS = false
    /// Refuse bare LF line ends in commands and data, as recent Postfix does.
    public var rejectBareLineFeed = false
    /// Speak LMTP (RFC 2033, `lmtp: yes`, `serve --lmtp`): LHLO instead of EHLO and HELO, and
    /// after a message one reply per accepted recipient (a `DOT` rule counts each of them).
    public var lmtp = false
    /// Wait this long before the greeting; a client that talks first is refused (early talker).
    public var greetingDelay: Double = 0
    /// Close an idle session after this many seconds (421); `nil`: never (`smtpsh learn` and
    /// `smtpsh demo`, where a class may listen to the teacher for a long while).
    public var idleTimeout: Double? = 300
    /// Unrecognised commands allowed before the server hangs up.
    public var maximumBadCommands = 20
    /// Names the client gives choose failures, delays and capabilities (`--triggers`, see
    /// ``ClientTriggers``).
    public var triggers = false
    /// Seconds to wait before answering a command (by verb, upper case; `DOT` for the end of
    /// a message): `--delay RCPT=5`.
    public var delays: [String: Double] = [:]
    /// Seconds per line of a message after DATA, during which nothing more is read (a tarpit).
    public var tarpit: Double = 0
    /// Where the connection is dropped without a reply (`--drop RCPT`, `--drop DOT:reset`).
    public var drop: Drop?

    /// A connection dropped at a stage: `GREETING`, a verb, or `DOT`; with a reset (RST) or
    /// an orderly close.
    public struct Drop: Hashable, Sendable, CustomStringConvertible {
        public var stage: String
        public var reset: Bool

        public init(stage: String, reset: Bool) {
            self.stage = stage
            self.reset = reset
        }

        /// `RCPT`, `dot:reset`, `GREETING:close`.
        public init(parsing text: String) throws(ScenarioError) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            let stage = parts[0].trimmingSpaces.uppercased()
            guard parts.count <= 2, !stage.isEmpty, MailParameter.isKeyword(Substring(stage)) else {
                throw ScenarioError("drop needs a stage (GREETING, a command such as RCPT, or DOT), then :close or :reset; found '\(text)'")
            }
            switch parts.count == 2 ? parts[1].trimmingSpaces.lowercased() : "close" {
            case "close": reset = false
            case "reset": reset = true
            default: throw ScenarioError("after the stage, expected :close or :reset, found '\(text)'")
            }
            self.stage = stage == "END-OF-DATA" ? "DOT" : stage
        }

        public var description: String { "\(stage):\(reset ? "reset" : "close")" }
    }

    /// `RCPT=5, DOT=2`: seconds before the reply to each (`--delay`, `delay:` in a file).
    public mutating func addDelays(_ text: String) throws(ScenarioError) {
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            let verb = parts[0].trimmingSpaces.uppercased()
            guard parts.count == 2, !verb.isEmpty, MailParameter.isKeyword(Substring(verb)),
                let seconds = Double(parts[1].trimmingSpaces), seconds >= 0, seconds <= 600
            else {
                throw ScenarioError("a delay is COMMAND=SECONDS (0 to 600), such as RCPT=5 or DOT=30; found '\(item)'")
            }
            delays[verb] = seconds
        }
    }

    /// Greylisting (`--greylist S`): a (client, sender, recipient) triplet is accepted only
    /// when it comes again at least S seconds after its first attempt.
    public var greylistDelay: Double?
    /// Connections from one client address per period (`--max-connections 5/60`); over it,
    /// 421 instead of the greeting.
    public var connectionRate: RateLimit?
    /// Messages accepted per connection (`--max-messages N`); the next MAIL gets 421.
    public var messagesPerConnection: Int?
    /// Recipients from one client address per period (`--recipient-rate 20/60`); over it, 450.
    public var recipientRate: RateLimit?

    /// Whether TLS can be offered (a certificate is available).
    public var tlsAvailable = true

    public init() {}

    /// The password a user logs in with, or `nil` when there is no such account.
    public func password(for name: String) -> String? {
        if let own = accounts[name] { return own }
        return name == user || (anyUser && !name.isEmpty) ? password : nil
    }

    /// Applies a scenario: its style, host name, settings and rules (after the rules already
    /// there: `--on` rules, then each scenario's in the order given; the first match wins).
    public mutating func apply(_ scenario: Scenario) throws(ScenarioError) {
        if let style = scenario.style { self.style = style }
        if let hostname = scenario.hostname { self.hostname = hostname }
        for (key, value) in scenario.settings.sorted(by: { $0.key < $1.key }) {
            try apply(setting: key, value: value)
        }
        rules += scenario.rules
    }

    /// `example.org, example.com`: the domains the server takes mail for.
    public mutating func setLocalDomains(_ value: String) throws(ScenarioError) {
        let domains = value.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.lowercased() }
        guard !domains.isEmpty, domains.allSatisfy({ !$0.contains("@") && !$0.contains("<") }) else {
            throw ScenarioError("local-domains must be domain names separated by commas, found '\(value)'")
        }
        localDomains = Set(domains)
    }

    public mutating func apply(setting key: String, value: String) throws(ScenarioError) {
        func flag() throws(ScenarioError) -> Bool {
            switch value.lowercased() {
            case "yes", "true", "on", "1": return true
            case "no", "false", "off", "0": return false
            default: throw ScenarioError("\(key) must be yes or no, found '\(value)'")
            }
        }
        func number() throws(ScenarioError) -> Double {
            guard let number = Double(value), number >= 0, number.isFinite else {
                throw ScenarioError("\(key) must be a number, found '\(value)'")
            }
            return number
        }
        switch key {
        case "require-tls": requireTLS = try flag()
        case "require-auth": requireAuth = try flag()
        case "auth-requires-tls": authRequiresTLS = try flag()
        case "reject-bare-lf": rejectBareLineFeed = try flag()
        case "lmtp": lmtp = try flag()
        case "max-recipients": maximumRecipients = max(1, Int(min(try number(), 1_000_000)))
        case "max-size": maximumMessageSize = UInt64(min(try number(), 1e15))
        case "greeting-delay": greetingDelay = min(try number(), 600)
        case "idle-timeout":
            // `none` (or 0): no limit, as `learn` and `demo` have by default.
            if ["none", "off", "no", "0"].contains(value.lowercased()) {
                idleTimeout = nil
            } else {
                idleTimeout = max(0.1, min(try number(), 86400))
            }
        case "local-domains": try setLocalDomains(value)
        case "auth": offersAuth = try flag()
        case "triggers": triggers = try flag()
        case "delay": try addDelays(value)
        case "tarpit": tarpit = min(try number(), 600)
        case "drop": drop = try Drop(parsing: value)
        case "greylist": greylistDelay = try ["no", "off", "none"].contains(value.lowercased()) ? nil : min(number(), 86400)
        case "max-connections": connectionRate = try RateLimit(parsing: value, name: key)
        case "max-messages": messagesPerConnection = max(1, Int(min(try number(), 1_000_000)))
        case "recipient-rate": recipientRate = try RateLimit(parsing: value, name: key)
        case "user": user = value
        case "password": password = value
        default: throw ScenarioError("unknown setting '\(key)'")
        }
    }
}
