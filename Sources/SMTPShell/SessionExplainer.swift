#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Locking
import Dispatch
import SMTPCatalog
import SMTPClient
import SMTPCore

/// How much is explained under each reply: `--explain full|brief|off`, `:explain brief`, the
/// configuration file's `explain = brief` (`--no-explain` is `off`).
enum ExplainMode: String, Sendable, CaseIterable {
    /// The meaning, the cause and what to do, the codes: for learners (the default).
    case full
    /// One line per reply: category, retry advice, the most specific meaning.
    case brief
    /// No explanation (`--no-explain`).
    case off
}

/// The explanation under each reply of a session, dimmed, in the languages chosen
/// (`--lang`, `:lang`), and what `:explain` shows. Each reply is explained for the command it
/// answers and with what the session knows (the server recognised, the sender, the SIZE the
/// server advertised and the size of the message sent):
///
/// ```
/// <-  220 mx.example.org ESMTP Postfix (Debian/GNU)  (0.4 ms)
/// === server: Postfix (greeting "ESMTP Postfix")
///       Greeting: the server accepts the connection and waits for EHLO or HELO.
/// …
/// <-  504 5.5.2 <alice>: Sender address rejected: need fully-qualified address  (0.3 ms)
///       Postfix refuses the sender address: it has no domain part. …
/// ```
///
/// Vendor texts any server could send (`250 {host}`, `221 2.0.0 Bye`) are used only once the
/// server is recognised (by its greeting, its EHLO reply, or a text only it sends), and then
/// only that vendor's. The session's `--json` reply events carry the same explanation
/// (``explain(_:outcome:forJSON:)``).
final class SessionExplainer: @unchecked Sendable {
    private let lock = Locked(())
    private var modeValue: ExplainMode
    private var languagesValue: [Language]
    private var server: ServerRecognition?
    private var context = ExplainContext()
    /// Message lines sent since the last DATA, and the message's size as RFC 1870 counts it:
    /// its octets with each line's CRLF, without the dots added by dot-stuffing.
    private var messageLines = 0
    private var messageOctets: UInt64 = 0
    private var last: (reply: Reply, isEHLO: Bool, context: ExplainContext)?
    /// The keywords of the last EHLO reply (`AUTH PLAIN` for each mechanism), and those
    /// explained so far: each is explained once per session; a later EHLO reply says what
    /// changed (``ehloKeywords(_:)``).
    private var lastEHLOKeywords: [String]?
    private var explainedKeywords: Set<String> = []
    /// `--starttls`: the EHLO reply before TLS is not explained; the one after it is, in full
    /// (what the server offers under TLS is what counts).
    var explainEHLOAfterTLS = false
    private let renderer: Renderer
    private let columns: @Sendable () -> Int
    /// `--compact`, `--large`: an EHLO reply in one short line per keyword.
    private let compactEHLO: Bool
    /// Read when the first reply is explained (`SessionRunner.run` loads it meanwhile).
    private var catalog: Catalog { .shared }

    /// Messages streamed by `smtpsh send` are shown (and reported) up to this many lines;
    /// past it, the size sent is not known here.
    static let shownMessageLines = 200

    init(mode: ExplainMode, languages: [Language], renderer: Renderer, columns: @escaping @Sendable () -> Int, compactEHLO: Bool = false) {
        self.modeValue = mode
        self.compactEHLO = compactEHLO
        self.languagesValue = languages.isEmpty ? [.en] : languages
        self.renderer = renderer
        self.columns = columns
    }

    var mode: ExplainMode {
        get { lock.withLock { _ in modeValue } }
        set { lock.withLock { _ in modeValue = newValue } }
    }

    var isEnabled: Bool {
        get { mode != .off }
        set { mode = newValue ? .full : .off }
    }

    var languages: [Language] {
        get { lock.withLock { _ in languagesValue } }
        set { lock.withLock { _ in languagesValue = newValue.isEmpty ? [.en] : newValue } }
    }

    /// Follows what the session sends: the size of the message (its lines after DATA).
    func observe(_ line: ClientStateMachine.SentLine) {
        let text = line.text
        lock.withLock { _ in
            switch line.kind {
            case .messageLine:
                messageLines += 1
                // The lone dot that ends the data is taken off at the reply.
                messageOctets += Self.sizeOctets(ofSentMessageLine: text)
            case .command:
                if text.uppercased().hasPrefix("DATA") {
                    messageLines = 0
                    messageOctets = 0
                }
            case .saslResponse, .raw:
                break
            }
        }
    }

    /// What a message line sent adds to the message's size as SIZE counts it (RFC 1870,
    /// section 3): its octets and CRLF, without the dot that dot-stuffing added (the line is
    /// given as sent, ``ClientStateMachine/SentLine``: one that starts with a dot got one more).
    static func sizeOctets(ofSentMessageLine text: String) -> UInt64 {
        let stuffed = text.utf8.first == UInt8(ascii: ".") && text.utf8.count > 1 ? 1 : 0
        return UInt64(text.utf8.count - stuffed + 2)
    }

    /// Message lines sent but not seen one by one (``SessionMemory`` keeps the first few of
    /// each message and counts the others): their number and size (``sizeOctets(ofSentMessageLine:)``).
    func observeMessageLines(_ count: Int, octets: UInt64) {
        lock.withLock { _ in
            messageLines += count
            messageOctets += octets
        }
    }

    /// What is said of a reply just received.
    struct Explained {
        /// The lines under it (none when explanations are off).
        var lines: [String] = []
        /// Its explanation, for its `--json` event; `nil` when none was asked for.
        var explanation: Explanation?
        /// The server, when this reply gave it away (said once, before the explanation).
        var recognised: ServerRecognition?
    }

    /// How the server recognised is said (`server: Postfix (greeting "ESMTP Postfix")`).
    func server(described recognised: ServerRecognition) -> String {
        recognised.description(in: languages[0], catalog: catalog)
    }

    /// Explains a reply just received for the command it answers, with what the session
    /// knows; the explanation is made when it is shown or `forJSON`.
    func explain(_ reply: Reply, outcome: SessionStateMachine.Outcome, tls: Bool = false, forJSON: Bool) -> Explained {
        explain(reply, answering: outcome.answered, tls: tls, forJSON: forJSON)
    }

    /// The same for a reply read back from a recording (`smtpsh export`): what it answered.
    func explain(_ reply: Reply, answering answered: SessionStateMachine.Pending?, tls: Bool = false, forJSON: Bool) -> Explained {
        let command = Self.verb(answered)
        let isEHLO = command == "ehlo" && reply.code.replyClass == .positiveCompletion
        var context = ExplainContext()
        var keywordsChange: (added: [String], removed: [String])?
        var alreadyExplained: Set<String> = []
        var deferred = false
        var ehloCapabilities: ServerCapabilities?
        var recognised: ServerRecognition?
        var searching = false
        var mode = ExplainMode.off
        var languages: [Language] = []
        lock.withLock { _ in
            context = self.context
            context.command = command
            switch answered {
            case .command(.mail(let path, let parameters))?:
                context.sender = path.mailbox
                context.recipient = nil
                self.context.sender = path.mailbox
                if let size = parameters.first(where: { $0.keyword.uppercased() == "SIZE" })?.value.flatMap(UInt64.init) {
                    self.context.messageOctets = size
                } else {
                    self.context.messageOctets = nil
                }
            case .command(.rcpt(let path, _))?:
                context.recipient = path.mailbox
            case .command(.bdat(let size, _))?:
                context.messageOctets = size
            case .endOfData?:
                if messageLines > 0 && messageLines < Self.shownMessageLines {
                    // The lone dot is counted among the lines: not part of the message.
                    context.messageOctets = messageOctets - 3
                }
            default:
                break
            }
            if isEHLO, let capabilities = ServerCapabilities(ehloReply: reply) {
                ehloCapabilities = capabilities
                if case .limit(let octets)? = capabilities.size { self.context.sizeLimit = octets } else { self.context.sizeLimit = nil }
                context.sizeLimit = self.context.sizeLimit
                let keywords = Self.ehloKeywords(capabilities)
                if let previous = lastEHLOKeywords {
                    let before = Set(previous), now = Set(keywords)
                    keywordsChange = (keywords.filter { !before.contains($0) }, previous.filter { !now.contains($0) })
                }
                lastEHLOKeywords = keywords
                alreadyExplained = explainedKeywords
                if explainEHLOAfterTLS && !tls && explainedKeywords.isEmpty {
                    deferred = true
                } else {
                    explainedKeywords.formUnion(keywords)
                }
            }
            // By the greeting, host name or EHLO reply first (before the explanation, which then
            // knows the server); by a text only one vendor sends, from the explanation below.
            if server == nil, let found = catalog.recognise(reply, answering: command, byText: false) {
                server = found
                recognised = found
                self.context.server = found.vendor
            }
            searching = server == nil
            context.server = self.context.server
            last = (reply, isEHLO, context)
            mode = modeValue
            languages = languagesValue
        }
        // Nothing to show and no JSON event to fill: what the session knows is kept (for
        // `:explain`), the explanation is not made.
        if mode == .off && !forJSON { return Explained() }

        // Hints are for what went wrong (4xx, 5xx); `:explain` shows them for any reply.
        let detail: ExplainOptions.Detail = mode == .brief ? .brief : .concise
        let options = ExplainOptions(detail: detail, vendorTexts: true, hints: !reply.replyClass.isPositive)
        var explanation = isEHLO ? catalog.explainEHLO(reply, options: options) : catalog.explain(reply, options: options, context: context)
        if searching, let vendor = explanation.vendor, !explanation.vendorTextIsGeneric {
            let found = catalog.recognition(byReply: reply, vendor: vendor)
            lock.withLock { _ in
                if server == nil {
                    server = found
                    recognised = found
                    self.context.server = vendor
                }
            }
        }
        explanation.server = recognised
        explanation.command = command
        var explained = Explained(explanation: forJSON ? explanation : nil)
        guard mode != .off else { return explained }
        explained.recognised = recognised
        if isEHLO && (deferred || keywordsChange != nil || !alreadyExplained.isEmpty) {
            // Said once: before TLS with --starttls, nothing but that it comes after; a later
            // EHLO reply, what changed and the keywords not seen yet.
            if deferred {
                explained.lines = [renderer.explanation("      " + Words["ehlo-explained-after-tls"])]
                return explained
            }
            if let change = keywordsChange {
                let changes = change.added.map { "+" + $0 } + change.removed.map { "\u{2212}" + $0 }
                let text = changes.isEmpty ? Words["ehlo-unchanged"] : Words["ehlo-changed", ["changes": changes.joined(separator: ", ")]]
                explained.lines.append(renderer.explanation("      " + text))
            }
            guard let capabilities = ehloCapabilities else { return explained }
            let fresh = capabilities.capabilities.filter { capability in
                Self.keywords(of: capability, mechanisms: capabilities.authMechanisms).contains { !alreadyExplained.contains($0) }
            }
            guard !fresh.isEmpty else { return explained }
            let newReply = Self.ehloReply(reply, keeping: fresh, mechanisms: capabilities.authMechanisms)
            if mode == .brief { return explained }
            if compactEHLO, let brief = catalog.briefEHLO(newReply) {
                explained.lines += render(brief, languages: languages, classification: false, compact: true)
            } else {
                explained.lines += render(catalog.explainEHLO(newReply, options: options), languages: languages, classification: false)
            }
            return explained
        }
        if mode == .brief {
            if !isEHLO {
                explained.lines = ExplanationRenderer(columns: columns(), indent: 6, languages: languages, catalog: catalog)
                    .brief(explanation).map { renderer.explanation($0) }
            }
        } else if isEHLO && compactEHLO, let brief = catalog.briefEHLO(reply) {
            explained.lines = render(brief, languages: languages, classification: false, compact: true)
        } else {
            explained.lines = render(explanation, languages: languages, classification: !reply.replyClass.isPositive)
        }
        return explained
    }

    /// `:explain` alone: the last reply again, in full (every part, the class meaning, hints, the source).
    func explainLast() -> [String]? {
        let (last, languages, server) = lock.withLock { _ in (self.last, languagesValue, self.server) }
        guard let last else { return nil }
        let options = ExplainOptions(detail: .full, vendorTexts: true)
        let explanation = last.isEHLO ? catalog.explainEHLO(last.reply, options: options) : catalog.explain(last.reply, options: options, context: last.context)
        var lines: [String] = []
        if let server { lines.append(renderer.note(server.description(in: languages[0], catalog: catalog))) }
        return lines + render(explanation, languages: languages, classification: true, source: true)
    }

    /// `:explain 550`, `:explain 5.7.1`, `:explain 452 #4.3.1 queue full`: as `smtpsh explain` does,
    /// with the server recognised in this session.
    func explain(input: String) -> [String]? {
        let context = lock.withLock { _ in ExplainContext(server: self.context.server) }
        let items = catalog.explain(input: input, options: .full, context: context)
        var lines: [String] = []
        for item in items {
            guard case .explained(_, let explanation) = item else { return nil }
            lines += render(explanation, languages: languages, classification: true, source: true)
        }
        return lines.isEmpty ? nil : lines
    }

    /// An EHLO reply's keywords as compared between replies: `AUTH PLAIN`, `AUTH LOGIN` for
    /// each mechanism (a mechanism added under TLS is a change), the others by keyword.
    static func ehloKeywords(_ capabilities: ServerCapabilities) -> [String] {
        var all: [String] = []
        var seen: Set<String> = []
        for capability in capabilities.capabilities {
            for keyword in keywords(of: capability, mechanisms: capabilities.authMechanisms) where seen.insert(keyword).inserted {
                all.append(keyword)
            }
        }
        return all
    }

    private static func keywords(of capability: Capability, mechanisms: [String]) -> [String] {
        guard capability.keyword == Capability.auth else { return [capability.keyword] }
        let listed = mechanisms.isEmpty ? capability.parameters : mechanisms
        return listed.isEmpty ? [Capability.auth] : listed.map { Capability.auth + " " + $0.uppercased() }
    }

    /// The EHLO reply with only some of its keyword lines (the first line kept): what is
    /// explained when the others were explained before.
    private static func ehloReply(_ reply: Reply, keeping kept: [Capability], mechanisms: [String]) -> Reply {
        let texts = kept.map { capability in
            capability.keyword == Capability.auth && !mechanisms.isEmpty
                ? Capability.auth + " " + mechanisms.joined(separator: " ") : capability.description
        }
        return Reply(code: reply.code, lines: [reply.lines.first?.textString ?? ""] + texts)
    }

    /// The verb of what a reply answers (``ExplainContext/command``).
    static func verb(_ answered: SessionStateMachine.Pending?) -> String? {
        switch answered {
        case .greeting?: "connect"
        case .endOfData?, .delivery?: "dot"
        case .saslResponse?: "auth"
        // LMTP's LHLO is explained as EHLO (its reply lists the same extensions).
        case .command(let command)?: command.knownVerb == .lhlo ? "ehlo" : ExplainContext.verb(of: command)
        case nil: nil
        }
    }

    private func render(
        _ explanation: Explanation, languages: [Language], classification: Bool, source: Bool = false, compact: Bool = false
    ) -> [String] {
        var layout = ExplanationRenderer(
            columns: columns(), indent: 6, languages: languages, catalog: catalog, classification: classification, source: source)
        layout.compact = compact
        return layout.render(explanation)
            .map { renderer.explanation($0) }
    }
}
