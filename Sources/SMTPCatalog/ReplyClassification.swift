import SMTPCore

/// What kind of problem (or success) a reply reports: one of a fixed list of stable ids,
/// shown under every explanation and written in JSON (`"category": "relay"`). Docs/catalog.md
/// lists them; the `category:` field of vendor, command and appliance entries uses them.
public enum ExplanationCategory: String, Hashable, Sendable, CaseIterable {
    case accepted
    case inProgress = "in-progress"
    case recipient
    case mailboxFull = "mailbox-full"
    case sender
    case authentication
    /// SPF, DKIM, DMARC, ARC.
    case senderAuthentication = "sender-authentication"
    case reputation
    case rateLimit = "rate-limit"
    case relay
    case policy
    case spam
    case size
    case tooManyRecipients = "too-many-recipients"
    /// The client's reverse DNS (PTR) or HELO name.
    case clientDNS = "client-dns"
    case `protocol`
    case tls
    case greylisting
    case server
    case loop
}

/// Whether sending again helps: a stable id, as for ``ExplanationCategory``.
public enum RetryAdvice: String, Hashable, Sendable, CaseIterable {
    /// A temporary condition: the same request later may succeed (an MTA retries by itself).
    case retryLater = "retry-later"
    /// Something must change first (configuration, address, credentials, content).
    case fixThenRetry = "fix-then-retry"
    /// The same request will fail again, whatever is changed on the sending side.
    case doNotRetry = "do-not-retry"
    /// Nothing went wrong (2xx, 3xx).
    case none
}

/// Who must act on a reply: a stable id.
public enum Actor: String, Hashable, Sendable, CaseIterable {
    /// The sending side's administrator (its MTA, DNS, IP reputation, authentication records).
    case sendingAdmin = "sending-admin"
    /// The receiving side's administrator (its server, its policy, the recipient's mailbox).
    case receivingAdmin = "receiving-admin"
    /// The person at the keyboard: the one who typed the command or wrote the message.
    case user
}

/// A category, retry advice and who acts: what every explanation carries.
public struct ReplyClassification: Hashable, Sendable {
    public var category: ExplanationCategory
    public var retry: RetryAdvice
    public var acts: [Actor]

    public init(category: ExplanationCategory, retry: RetryAdvice, acts: [Actor]) {
        self.category = category
        self.retry = retry
        self.acts = acts
    }

    /// From an entry's `category:`, `retry:` and `acts:` fields; `nil` when it has no category.
    /// A missing `retry:` or `acts:` is derived from the category and `replyClass`.
    init?(fields entry: CatalogEntry, replyClass: Int) {
        guard let category = entry.property("category").flatMap(ExplanationCategory.init(rawValue:)) else { return nil }
        self.category = category
        self.retry = entry.property("retry").flatMap(RetryAdvice.init(rawValue:)) ?? Self.retry(for: category, replyClass: replyClass)
        let acts = (entry.property("acts") ?? "").split(separator: " ").compactMap { Actor(rawValue: String($0)) }
        self.acts = acts.isEmpty ? Self.acts(for: category, replyClass: replyClass) : acts
    }

    /// From the codes alone, when no entry says more: the enhanced code's subject and detail
    /// (RFC 3463, the IANA registry) when it has a specific one, else the basic code.
    public init(code: ReplyCode?, enhanced: EnhancedStatusCode?) {
        let replyClass = code?.replyClass.rawValue ?? enhanced?.statusClass.rawValue ?? 5
        let category: ExplanationCategory
        if replyClass == 2 {
            category = .accepted
        } else if replyClass == 3 {
            category = .inProgress
        } else if let enhanced, let found = Self.category(subject: enhanced.subject, detail: enhanced.detail) {
            category = found
        } else if let code {
            category = Self.category(code: code.rawValue)
        } else {
            category = .server
        }
        self.init(category: category, retry: Self.retry(for: category, replyClass: replyClass),
                  acts: Self.acts(for: category, replyClass: replyClass))
    }

    /// The category of an enhanced code's subject and detail; `nil` for `X.0.0` and the
    /// other details that say nothing specific.
    static func category(subject: Int, detail: Int) -> ExplanationCategory? {
        switch (subject, detail) {
        case (1, 7), (1, 8), (1, 11): .sender
        case (1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (1, 6), (1, 10): .recipient
        case (2, 2): .mailboxFull
        case (2, 3): .size
        case (2, _): .recipient
        case (3, 4): .size
        case (3, _): .server
        case (4, 6): .loop
        case (4, 4): .server
        case (4, _): .server
        case (5, 3): .tooManyRecipients
        case (5, 6): .authentication
        case (5, _): .protocol
        case (6, _): .policy
        case (7, 0): nil
        case (7, 8), (7, 9), (7, 12), (7, 13), (7, 14): .authentication
        case (7, 10), (7, 11), (7, 30): .tls
        case (7, 16): .size
        case (7, 17), (7, 18), (7, 19): .recipient
        case (7, 20), (7, 21), (7, 22), (7, 23), (7, 24), (7, 26), (7, 29): .senderAuthentication
        case (7, 25): .clientDNS
        case (7, 27): .sender
        case (7, 28): .rateLimit
        case (7, _): .policy
        default: nil
        }
    }

    /// The category of a basic code alone.
    static func category(code: Int) -> ExplanationCategory {
        switch code {
        case 450, 550, 551, 553, 556: .recipient
        case 452: .server
        case 552: .size
        case 454, 538: .tls
        case 530, 534, 535: .authentication
        case 500, 501, 502, 503, 504, 555: .protocol
        case 521, 554: .policy
        default: code / 100 == 2 ? .accepted : code / 100 == 3 ? .inProgress : .server
        }
    }

    /// A temporary failure: later. A permanent one: fix something first, or give up when
    /// nothing the sender can change would help (the address does not exist, a loop).
    static func retry(for category: ExplanationCategory, replyClass: Int) -> RetryAdvice {
        switch replyClass {
        case 2, 3: return .none
        case 4: return .retryLater
        default:
            switch category {
            case .recipient, .loop, .mailboxFull: return .doNotRetry
            case .accepted, .inProgress: return .none
            default: return .fixThenRetry
            }
        }
    }

    /// Who usually acts for a category.
    static func acts(for category: ExplanationCategory, replyClass: Int) -> [Actor] {
        switch category {
        case .accepted, .inProgress: []
        case .recipient, .protocol, .authentication, .tooManyRecipients: [.user]
        case .sender, .size, .spam: [.user, .sendingAdmin]
        case .senderAuthentication, .reputation, .rateLimit, .relay, .clientDNS, .greylisting, .tls: [.sendingAdmin]
        case .mailboxFull: [.receivingAdmin]
        case .server, .loop: replyClass == 4 ? [.receivingAdmin] : [.receivingAdmin, .sendingAdmin]
        case .policy: [.sendingAdmin, .receivingAdmin]
        }
    }
}
