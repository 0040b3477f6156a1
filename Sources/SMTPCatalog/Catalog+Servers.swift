import Locking
import SMTPCore

/// Which server's software or provider is talking, and what gave it away.
///
/// ```
/// === server: Postfix (greeting "ESMTP Postfix")
/// ```
public struct ServerRecognition: Hashable, Sendable {
    /// What gave the server away.
    public enum Evidence: Hashable, Sendable {
        /// Words of the greeting (`ESMTP Postfix`).
        case greeting(String)
        /// The end of the host name the server gives (`.protection.outlook.com`).
        case host(String)
        /// A keyword or words of the EHLO reply (`X-EXPS`, `at your service`).
        case ehlo(String)
        /// A reply text only this vendor sends (the reply line, cut short).
        case reply(String)
    }

    /// The vendor id (`postfix`, `microsoft`), as in `vendor.postfix.*` keys and JSON.
    public var vendor: String
    /// Its name, as shown (`Postfix`, `Microsoft Exchange Online`).
    public var name: String
    public var evidence: Evidence

    public init(vendor: String, name: String, evidence: Evidence) {
        self.vendor = vendor
        self.name = name
        self.evidence = evidence
    }

    /// `Postfix (greeting "ESMTP Postfix")` in `language`, from the `message.server-*` entries.
    public func description(in language: Language, catalog: Catalog = .shared) -> String {
        let (name, text): (String, String) =
            switch evidence {
            case .greeting(let text): ("server-evidence-greeting", text)
            case .host(let text): ("server-evidence-host", text)
            case .ehlo(let text): ("server-evidence-ehlo", text)
            case .reply(let text): ("server-evidence-reply", text)
            }
        let evidence = catalog.message(name, in: language, ["text": Placeholders.sanitised(text)])
        return catalog.message("server-recognised", in: language, ["name": self.name, "evidence": evidence])
    }
}

/// The `server.*` entries, read the first time a server is to be recognised.
final class ServerTable: Sendable {
    struct Rule: Sendable {
        var vendor: String
        var name: String
        /// Words of the greeting, lower case.
        var greetings: [String]
        /// Host name endings, lower case (`.pphosted.com`).
        var hosts: [String]
        /// EHLO keywords (upper case) or words of the EHLO reply's first line (lower case).
        var ehlo: [String]
    }

    private let rules = Locked<[Rule]?>(nil)

    func rules(_ catalog: Catalog) -> [Rule] {
        rules.withLock { cached in
            if let cached { return cached }
            var made: [Rule] = []
            // Only the `server.*` keys are read (not every key of the catalogue).
            for (_, stored) in catalog.store.entries(withPrefix: "server.") {
                guard case .server(let vendor) = stored.key.kind, let entry = catalog[stored.keyText] else { continue }
                made.append(Rule(
                    vendor: vendor, name: entry.property("name") ?? vendor,
                    greetings: (entry.properties["greeting"] ?? []).map { $0.lowercased() },
                    hosts: (entry.properties["host"] ?? []).map { $0.lowercased() },
                    ehlo: entry.properties["ehlo"] ?? []))
            }
            cached = made
            return made
        }
    }
}

extension Catalog {
    /// The server a reply gives away, if it does: by the words of a greeting (`answering`
    /// `connect`), the end of the host name a greeting or EHLO reply starts with, a keyword of
    /// the EHLO reply, or a text that only one vendor sends (not a generic one).
    ///
    /// ```
    /// 220 mx.example.org ESMTP Postfix (Debian/GNU)      → Postfix (greeting "ESMTP Postfix")
    /// 220 BN8NAM11FT066.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready …
    ///                                                    → Microsoft (greeting "Microsoft ESMTP MAIL Service")
    /// 554 5.7.1 <bob@gmail.com>: Relay access denied     → Postfix (reply "Relay access denied")
    /// ```
    public func recognise(_ reply: Reply, answering command: String?, byText: Bool = true) -> ServerRecognition? {
        let rules = servers.rules(self)
        let first = reply.lines.first.map { String(decoding: $0.text, as: UTF8.self) } ?? ""
        let host = first.prefix { $0 != " " }.lowercased()
        if command == "connect" || command == nil, reply.code == .serviceReady {
            let lower = first.lowercased()
            for rule in rules {
                if let words = rule.greetings.first(where: { Self.contains(lower, words: $0) }) {
                    return ServerRecognition(vendor: rule.vendor, name: rule.name, evidence: .greeting(Self.original(words, in: first)))
                }
            }
        }
        if command == "connect" || command == "ehlo" || command == "helo" || command == nil,
            reply.code == .serviceReady || reply.code == .ok
        {
            for rule in rules {
                if let suffix = rule.hosts.first(where: { host.hasSuffix($0) || "." + host == $0 }) {
                    return ServerRecognition(vendor: rule.vendor, name: rule.name, evidence: .host(suffix))
                }
            }
        }
        if command == "ehlo" || command == nil, reply.code == .ok, reply.lines.count > 1 || command == "ehlo" {
            let keywords = Set(reply.lines.dropFirst().map { $0.textString.prefix { $0 != " " }.uppercased() })
            let lower = first.lowercased()
            for rule in rules {
                for item in rule.ehlo {
                    if item.uppercased() == item, keywords.contains(item) {
                        return ServerRecognition(vendor: rule.vendor, name: rule.name, evidence: .ehlo(item))
                    }
                    if item.lowercased() == item, Self.contains(lower, words: item) {
                        return ServerRecognition(vendor: rule.vendor, name: rule.name, evidence: .ehlo(Self.original(item, in: first)))
                    }
                }
            }
        }
        guard byText, let match = textMatch(in: reply, server: nil), !match.isGeneric, let vendor = match.entry.key.vendor
        else { return nil }
        return recognition(byReply: reply, vendor: vendor)
    }

    /// The server given away by a reply only `vendor` sends (the reply is the evidence).
    public func recognition(byReply reply: Reply, vendor: String) -> ServerRecognition {
        let line = reply.lines.first.map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
        let shown = line.count > 48 ? String(line.prefix(47)) + "…" : line
        return ServerRecognition(vendor: vendor, name: serverName(vendor), evidence: .reply(shown))
    }

    /// The name shown for a vendor id (`server.VENDOR`'s `name:`), or the id.
    public func serverName(_ vendor: String) -> String {
        servers.rules(self).first(where: { $0.vendor == vendor })?.name ?? vendor
    }

    /// The vendor ids with a `server.*` entry.
    public var serverVendors: [String] { servers.rules(self).map(\.vendor) }

    /// `words` appear in `text` (both lower case) on word boundaries.
    static func contains(_ text: String, words: String) -> Bool {
        var search = text[...]
        while let range = search.firstRange(of: words) {
            let before = range.lowerBound == text.startIndex ? " " : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? " " : text[range.upperBound]
            if !before.isLetter && !before.isNumber && !after.isLetter && !after.isNumber { return true }
            search = text[range.upperBound...]
        }
        return false
    }

    /// `words` as the server wrote them (its case), found in `text` ignoring case.
    private static func original(_ words: String, in text: String) -> String {
        guard let range = text.lowercased().firstRange(of: words) else { return words }
        let start = text.utf8.index(text.startIndex, offsetBy: text.lowercased().utf8.distance(from: text.lowercased().startIndex, to: range.lowerBound), limitedBy: text.endIndex)
        guard let start, let end = text.utf8.index(start, offsetBy: words.utf8.count, limitedBy: text.endIndex) else { return words }
        return String(text[start..<end])
    }
}
