/// A rule that can never fire, and why: what `smtpsh serve`, `demo` and `learn` warn about
/// before a teacher finds out in front of a class.
///
/// ```
/// on RCPT: 452 #4.3.1 queue full            (scenario queue-full)
/// on RCPT 1: 250 recipient <{arg}> ok       → shadowed by rule 1: it answers every RCPT first
/// on DOT 2 per message: 451 try later       → a message has one final dot
/// ```
public struct RuleFinding: Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// An earlier rule (its index) matches every command this one would, and the first
        /// rule that matches wins.
        case shadowed(by: Int)
        /// Counted per message, but the command comes once per mail transaction (the final
        /// dot; EHLO, HELO, RSET and STARTTLS end the transaction they are counted in).
        case oncePerMessage
        /// A session has one greeting.
        case oncePerSession
        /// The server hangs up after this many unrecognised commands, before the count.
        case afterBadCommandLimit(Int)
    }

    /// The rule's index in the configuration's rules.
    public var index: Int
    public var reason: Reason

    public init(index: Int, reason: Reason) {
        self.index = index
        self.reason = reason
    }
}

extension PracticeServerConfiguration {
    /// The rules that can never fire, in order (a rule is reported once, for its first reason).
    public var ruleFindings: [RuleFinding] {
        var findings: [RuleFinding] = []
        for (index, rule) in rules.enumerated() {
            if let reason = Self.neverFires(rule, badCommandLimit: maximumBadCommands) {
                findings.append(RuleFinding(index: index, reason: reason))
            } else if let earlier = rules[..<index].indices.first(where: { rules[$0].shadows(rule) }) {
                findings.append(RuleFinding(index: index, reason: .shadowed(by: earlier)))
            }
        }
        return findings
    }

    private static let oncePerTransaction: Set<String> = ["EHLO", "HELO", "RSET", "STARTTLS"]

    private static func neverFires(_ rule: ScenarioRule, badCommandLimit: Int) -> RuleFinding.Reason? {
        let first = rule.occurrence.first
        switch rule.trigger {
        case .greeting where first > 1:
            return .oncePerSession
        case .endOfData where rule.scope == .message && first > 1:
            return .oncePerMessage
        case .verb(let verb) where rule.scope == .message && first > 1 && oncePerTransaction.contains(verb):
            return .oncePerMessage
        case .badCommand where first > badCommandLimit + 1:
            // The (limit + 1)-th bad command still meets the rules before the server hangs up.
            return .afterBadCommandLimit(badCommandLimit)
        default:
            return nil
        }
    }
}

extension ScenarioRule {
    /// Whether this rule, coming first, matches every command `later` would match, so that
    /// `later` never fires. `TIME` rules each have their own timer: none shadows another.
    func shadows(_ later: ScenarioRule) -> Bool {
        guard trigger == later.trigger else { return false }
        if case .time = trigger { return false }
        if let address {
            guard let other = later.address, address.covers(other) else { return false }
        }
        switch occurrence {
        case .every:
            return true
        case .from(let n):
            // This rule counts at least the commands `later` counts (a wider or equal address,
            // the session or the same scope): its count is never below `later`'s.
            guard scope == .session || later.scope == .message else { return false }
            return n <= later.occurrence.first
        case .nth:
            return scope == later.scope && address == later.address && occurrence == later.occurrence
        }
    }
}
