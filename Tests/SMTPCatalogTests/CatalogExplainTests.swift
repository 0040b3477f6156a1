import SMTPCore
import Testing
@testable import SMTPCatalog

/// How a reply finds its explanation: appliance text, enhanced code, basic code, fallbacks.
@Suite struct CatalogExplainTests {
    let catalog = Catalog.shared

    static func reply(_ line: String) -> Reply {
        Reply(lines: [ReplyLine(bytes: Array(line.utf8))])
    }

    // MARK: - The seed documents' lines

    /// Each line of the seed documents' list, with the entry it must find.
    static let seedLines: [(line: String, key: String)] = [
        ("421 #4.4.5 Too many TLS sessions at this time", "appliance.tls-sessions-limit"),
        ("421 #4.4.5 Too many connections from your host", "appliance.conn-limit-your-host"),
        ("421 #4.4.5 Too many connections to this host", "appliance.conn-limit-this-host"),
        ("421 #4.4.5 Too many connections to this listener", "appliance.conn-limit-listener"),
        ("421 #4.x.2 Too many messages to this session", "appliance.messages-per-session"),
        ("421 my_esa.local Service not available, closing transaction channel", "appliance.service-not-available"),
        ("421 Exceeded allowable connection time", "appliance.connection-time-exceeded"),
        ("421 Exceeded bad SMTP command limit, disconnecting", "appliance.bad-command-limit"),
        ("421 The evaluation license has expired", "appliance.evaluation-license-expired"),
        ("451 #4.3.0 Server Error", "appliance.server-error-temp"),
        ("452 #4.3.1 queue full", "appliance.queue-full"),
        ("452 #4.3.1 server resources low - try again later", "appliance.resources-low"),
        ("452 #4.3.1 temporary system error (12)", "appliance.temporary-system-error"),
        ("452 #4.5.3 Too many recipients", "appliance.too-many-recipients"),
        ("454 TLS not available due to a temporary reason", "appliance.tls-temp-unavailable"),
        ("500 #5.5.1 command not recognized", "appliance.command-not-recognized"),
        ("500 Line too long", "appliance.line-too-long"),
        ("501 #5.0.0 EHLO requires domain address", "appliance.ehlo-requires-domain"),
        ("501 #5.5.2 syntax error", "appliance.syntax-error"),
        ("501 #5.5.4 Invalid arguments to AUTH command", "appliance.auth-invalid-arguments"),
        ("501 Unknown command XXX", "appliance.unknown-command"),
        ("501 Unknown option XXX", "appliance.unknown-option"),
        ("501 Unknown value XXX", "appliance.unknown-value"),
        ("503 #5.3.3 AUTH not available", "appliance.auth-not-available"),
        ("503 #5.5.0 AUTH not permitted during a mail transaction", "appliance.auth-during-transaction"),
        ("503 #5.5.0 Already authenticated", "appliance.already-authenticated"),
        ("503 #5.5.1 MAIL first", "appliance.mail-first"),
        ("503 #5.5.1 RCPT first", "appliance.rcpt-first"),
        ("503 Bad sequence of commandsDATA within mailmerge transaction", "appliance.mailmerge-data-in-mailmerge"),
        ("503 Bad sequence of commandsXPRT within plain transaction", "appliance.mailmerge-xprt-in-plain"),
        ("503 Bad sequence of commandsnow receiving parts", "appliance.mailmerge-receiving-parts"),
        ("503 Not in a mailmerge transaction", "appliance.mailmerge-not-in-transaction"),
        ("504 #5.5.1 AUTH mechanism XXX is not available", "appliance.auth-mechanism-unavailable"),
        ("504 Command parameter XXX unrecognized", "appliance.parameter-unrecognized"),
        ("504 Invalid XDFN syntax", "appliance.mailmerge-xdfn-syntax"),
        ("504 Invalid part number", "appliance.mailmerge-invalid-part"),
        ("504 Invalid part number XXX", "appliance.mailmerge-invalid-part-arg"),
        ("504 No variable value specified", "appliance.mailmerge-no-variable-value"),
        ("504 Other parts still missing", "appliance.mailmerge-parts-missing"),
        ("504 Reserved variable name", "appliance.mailmerge-reserved-variable"),
        ("504 Syntax error in *parts syntax", "appliance.mailmerge-parts-syntax"),
        ("504 XDFN command must not contain NULL characters", "appliance.mailmerge-xdfn-null"),
        ("530 #5.7.0 Must issue a STARTTLS command first", "appliance.starttls-required"),
        ("530 Authentication required", "appliance.auth-required"),
        ("538 #5.7.11 Encryption required", "appliance.encryption-required"),
        ("552 #5.3.4 message header size exceeds limit", "appliance.header-size-limit"),
        ("552 size limit exceeded", "appliance.size-limit-exceeded"),
        ("554 #5.3.0 Server Error", "appliance.server-error-perm"),
        ("554 Too Many Hops", "appliance.too-many-hops"),
        ("554 message body contains illegal bare CR/LF characters.", "appliance.bare-cr-lf"),
        // Inferred where the two translations of the list disagree (appliance.catalog's header).
        ("530 #5.7.0 This sender must issue a STARTTLS command first", "appliance.starttls-required-sender"),
        ("552 #5.3.4 message size exceeds limit", "appliance.message-size-limit"),
        ("501 #5.5.2 syntax error XXX", "appliance.syntax-error"),
        // The telnet session.
        ("220 my_esa.local ESMTP", "appliance.greeting"),
        ("250 my_esa.local", "appliance.helo-ok"),
        ("250 sender <test@test.com> ok", "appliance.sender-ok"),
        ("250 recipient <user@other.com> ok", "appliance.recipient-ok"),
        ("354 go ahead", "appliance.data-go-ahead"),
        ("250 ok: Message 214 accepted", "appliance.message-accepted"),
        ("221 my_esa.local", "appliance.closing"),
    ]

    @Test func theTableCoversEverySeedLine() {
        let covered = Set(Self.seedLines.map(\.line))
        #expect(Fixtures.applianceLines.count == 50)
        for line in Fixtures.applianceLines { #expect(covered.contains(line), "\(line)") }
        #expect(!Fixtures.sessionReplies.isEmpty)
        for line in Fixtures.sessionReplies { #expect(covered.contains(line), "\(line)") }
        // Every appliance entry is reached by some line.
        let reached = Set(Self.seedLines.map(\.key))
        for entry in catalog.entries {
            if case .appliance = entry.key.kind { #expect(reached.contains(entry.key.rawValue), "\(entry.key)") }
        }
    }

    @Test(arguments: seedLines.map(\.line), Language.allCases)
    func everySeedLineFindsItsEntry(line: String, language: Language) throws {
        let key = try #require(Self.seedLines.first { $0.line == line }?.key)
        // Lines any server could send (`250 {host}`) are the appliance's once it is recognised.
        let context = ExplainContext(server: "appliance")
        for options in [ExplainOptions.concise, .full] {
            let explanation = catalog.explain(Self.reply(line), options: options, context: context)
            #expect(explanation.keys.first == key)
            let meaning = try #require(explanation.meanings(in: language).first)
            #expect(!meaning.text.isEmpty)
            #expect(!meaning.text.contains("{"), "a placeholder was left: \(meaning.text)")
            for hint in explanation.hints(in: language) { #expect(!hint.text.contains("{")) }
            if line.hasPrefix("4") || line.hasPrefix("5") {
                #expect(explanation.hints(in: language).count == 1)
            }
        }
    }

    @Test func placeholdersAreFilledFromTheLine() {
        let greeting = catalog.explain(Self.reply("220 my_esa.local ESMTP"), context: ExplainContext(server: "appliance"))
        #expect(greeting.parts[0].meaning[.en]?.contains("my_esa.local") == true)
        #expect(greeting.parts[0].meaning[.ja]?.contains("my_esa.local") == true)
        let accepted = catalog.explain(Self.reply("250 ok: Message 214 accepted"))
        #expect(accepted.parts[0].meaning[.fr]?.contains("214") == true)
        let sender = catalog.explain(Self.reply("250 sender <test@test.com> ok"))
        #expect(sender.parts[0].meaning[.en]?.contains("<test@test.com>") == true)
        let mechanism = catalog.explain(Self.reply("504 #5.5.1 AUTH mechanism GSSAPI is not available"))
        #expect(mechanism.parts[0].meaning[.en]?.contains("GSSAPI") == true)
    }

    @Test func aValueFromTheServerCannotReachTheTerminalRaw() {
        let hostile = catalog.explain(Self.reply("501 Unknown command \u{1B}]0;pwned\u{7}"))
        #expect(hostile.keys.first == "appliance.unknown-command")
        let text = hostile.parts[0].meaning[.en] ?? ""
        #expect(!text.unicodeScalars.contains("\u{1B}"))
        #expect(text.contains("\\x1B"))
    }

    /// A vendor text leads in a session, the codes follow as their titles only; `smtpsh
    /// explain` adds the codes' whole meanings.
    @Test func aVendorTextLeadsWhenConcise() {
        let concise = catalog.explain(Self.reply("452 #4.3.1 queue full"), options: .concise)
        #expect(concise.keys == ["appliance.queue-full", "enhanced.3.1", "basic.452"])
        #expect(concise.parts[1].meaning[.en] == "Mail system full")
        #expect(concise.parts[2].meaning[.en] == "Insufficient system storage")
        #expect(concise.hints(in: .en).map(\.label) == [""])
        let full = catalog.explain(Self.reply("452 #4.3.1 queue full"), options: .full)
        #expect(full.keys == ["appliance.queue-full", "enhanced.3.1", "basic.452", "class.4"])
        #expect(full.hints(in: .en).map(\.label) == [""])  // the appliance's hint only
    }

    /// `250 {host}` or `220 {host} ESMTP` could be any server's: the appliance's entry only
    /// once the server is known to be the appliance, and the code's meaning comes too.
    @Test func aGenericVendorLineNeedsItsServer() {
        let appliance = ExplainContext(server: "appliance")
        #expect(catalog.explain(Self.reply("220 my_esa.local ESMTP"), context: appliance).keys == ["appliance.greeting", "basic.220"])
        #expect(catalog.explain(Self.reply("250 my_esa.local"), context: appliance).keys == ["appliance.helo-ok", "basic.250"])
        #expect(catalog.explain(Self.reply("250 my_esa.local")).keys == ["basic.250"])
        // Postfix's reply to HELO is not the appliance's (issue 17).
        let postfix = ExplainContext(command: "helo", server: "postfix")
        #expect(catalog.explain(Self.reply("250 mx.postfix.test"), context: postfix).keys.first == "vendor.postfix.helo-ok")
        #expect(catalog.explain(Self.reply("250 mx.postfix.test"), context: ExplainContext(command: "helo")).keys == ["command.helo.250"])
    }

    @Test func vendorTextsCanBeTurnedOff() {
        let options = ExplainOptions(vendorTexts: false)
        #expect(
            catalog.explain(Self.reply("452 #4.3.1 queue full"), options: options).keys == [
                "enhanced.3.1", "basic.452",
            ])
    }

    /// `250 {host}` must not swallow ordinary one-word replies.
    @Test(arguments: ["250 ok", "250 OK", "250 2.0.0", "250 Reset", "221 Bye", "221 2.0.0", "220 ready ESMTP"])
    func aHostPlaceholderOnlyTakesAHost(line: String) {
        let keys = catalog.explain(Self.reply(line)).keys
        #expect(!keys.contains { $0.hasPrefix("appliance.") }, "\(line) → \(keys)")
    }

    // MARK: - Enhanced and basic codes

    /// The IANA registry's enumerated codes (as of its 2024-12-06 update).
    static let registry: [(subject: Int, detail: Int)] =
        [(0, 0)] + (0...10).map { (1, $0) } + (0...4).map { (2, $0) } + (0...6).map { (3, $0) }
        + (0...7).map { (4, $0) }
        + (0...6).map { (5, $0) } + (0...10).map { (6, $0) } + (0...30).map { (7, $0) }

    @Test func theRegistryHas81Codes() {
        #expect(Self.registry.count == 81)
    }

    @Test(arguments: [EnhancedStatusCode.Class.success, .persistentTransientFailure, .permanentFailure])
    func everyRegistryCodeResolves(statusClass: EnhancedStatusCode.Class) {
        for (subject, detail) in Self.registry {
            let code = EnhancedStatusCode(statusClass: statusClass, subject: subject, detail: detail)
            let explanation = catalog.explain(enhancedCode: code)
            #expect(
                explanation.keys == ["enhanced.\(subject).\(detail)", "enhanced-class.\(statusClass.rawValue)"],
                "\(code)")
            #expect(explanation.parts[0].label == code.description)
            for language in Language.allCases {
                #expect(explanation.meanings(in: language).count == 2)
            }
        }
    }

    static let basicCodes = [
        211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455, 500, 501, 502, 503, 504,
        521,
        530, 534, 535, 538, 550, 551, 552, 553, 554, 555, 556,
    ]

    @Test(arguments: basicCodes)
    func everyBasicCodeResolves(code: Int) throws {
        let replyCode = try #require(ReplyCode(rawValue: code))
        let concise = catalog.explain(code: replyCode)
        #expect(concise.keys == ["basic.\(code)"])
        let full = catalog.explain(code: replyCode, options: .full)
        #expect(full.keys == ["basic.\(code)", "class.\(code / 100)"])
        if code >= 400 {
            for language in Language.allCases { #expect(full.hints(in: language).count == 1) }
        }
    }

    @Test func anUnregisteredDetailFallsBackToItsSubject() throws {
        let code = try #require(EnhancedStatusCode("5.7.708"))
        let explanation = catalog.explain(enhancedCode: code)
        #expect(explanation.keys == ["enhanced-subject.7", "enhanced-class.5"])
        #expect(explanation.parts.map(\.label) == ["X.7.X", "5.X.X"])
        #expect(explanation.meanings(in: .en)[0].text.hasPrefix("Security or policy"))
        #expect(explanation.meanings(in: .en)[1].text.hasPrefix("Permanent failure"))
    }

    @Test func anUnknownSubjectFallsBackToTheClass() throws {
        let explanation = catalog.explain(enhancedCode: try #require(EnhancedStatusCode("4.9.1")))
        #expect(explanation.keys == ["enhanced-class.4"])
    }

    @Test func anUndefinedCodeFallsBackToClassAndCategory() throws {
        #expect(catalog.explain(code: try #require(ReplyCode(rawValue: 599))).keys == ["class.5"])
        #expect(catalog.explain(code: try #require(ReplyCode(rawValue: 277))).keys == ["class.2"])
        #expect(catalog.explain(code: try #require(ReplyCode(rawValue: 432))).keys == ["basic.432"])
        #expect(catalog.explain(code: try #require(ReplyCode(rawValue: 523))).keys == ["class.5", "category.2"])
        #expect(catalog.explain(code: try #require(ReplyCode(rawValue: 459))).keys == ["class.4", "category.5"])
        // A fallback 4xx still gets a hint: the class's.
        #expect(catalog.explain(code: try #require(ReplyCode(rawValue: 459))).hints(in: .fr).count == 1)
    }

    @Test func enhancedAndBasicMeaningsComeTogether() {
        let explanation = catalog.explain(Self.reply("550 5.1.1 <nobody@example.org>: Recipient address rejected"))
        #expect(explanation.keys == ["enhanced.1.1", "basic.550"])
        #expect(explanation.parts.map(\.label) == ["5.1.1", "550"])
        #expect(explanation.hints(in: .en).count == 1)
        #expect(explanation.hints(in: .en)[0].text == catalog["enhanced.1.1"]?.hint[.en])
        if case .reply(let code, let enhanced) = explanation.subject {
            #expect(code == .mailboxUnavailable)
            #expect(enhanced?.description == "5.1.1")
        } else {
            Issue.record("subject \(explanation.subject)")
        }
    }

    @Test func aReplyWithoutEnhancedCodeGetsItsBasicMeaning() {
        #expect(catalog.explain(Self.reply("550 Mailbox unavailable")).keys == ["basic.550"])
        #expect(catalog.explain(Self.reply("599 Something odd")).keys == ["class.5"])
    }

    @Test func anUnregisteredDetailInAReply() {
        let explanation = catalog.explain(Self.reply("550 5.7.708 Access denied, traffic not accepted from this IP"))
        #expect(explanation.keys == ["enhanced-subject.7", "basic.550"])
        let full = catalog.explain(Self.reply("550 5.7.708 Access denied"), options: .full)
        #expect(full.keys == ["enhanced-subject.7", "basic.550", "class.5"])
    }

    /// X.0.0 adds nothing next to the basic code in a session.
    @Test func xZeroZeroIsLeftOutWhenConcise() {
        #expect(catalog.explain(Self.reply("250 2.0.0 Ok")).keys == ["basic.250"])
        #expect(
            catalog.explain(Self.reply("250 2.0.0 Ok"), options: .full).keys == [
                "enhanced.0.0", "basic.250", "class.2",
            ])
    }

    @Test func aMultiLineReplyIsExplainedOnce() {
        let reply = Reply(lines: [
            ReplyLine(bytes: Array("550-5.7.1 [203.0.113.5] Our system has detected an unusual rate of".utf8)),
            ReplyLine(bytes: Array("550-5.7.1 unsolicited mail originating from your IP address.".utf8)),
            ReplyLine(bytes: Array("550 5.7.1 https://support.example.com/mail/?p=UnsolicitedIPError".utf8)),
        ])
        #expect(catalog.explain(reply).keys == ["enhanced.7.1", "basic.550"])
    }

    @Test func hintsCanBeLeftOut() {
        let explanation = catalog.explain(Self.reply("550 5.1.1 no"), options: ExplainOptions(hints: false))
        #expect(explanation.hints(in: .en).isEmpty)
    }

    // MARK: - EHLO

    @Test func anEHLOReplyIsExplainedKeywordByKeyword() {
        let reply = Reply(
            code: .ok,
            lines: [
                "mail.example.org Hello client.example", "PIPELINING", "SIZE 35882577", "STARTTLS",
                "AUTH PLAIN LOGIN XOAUTH9",
                "8BITMIME", "ENHANCEDSTATUSCODES", "X-UNKNOWN-THING", "SMTPUTF8", "AUTH=PLAIN LOGIN",
            ])
        let explanation = catalog.explainEHLO(reply)
        #expect(explanation.subject == .ehloReply)
        #expect(
            explanation.parts.map(\.label)
                == [
                    "PIPELINING", "SIZE", "STARTTLS", "AUTH", "AUTH PLAIN", "AUTH LOGIN", "AUTH XOAUTH9", "8BITMIME",
                    "ENHANCEDSTATUSCODES", "X-UNKNOWN-THING", "SMTPUTF8",
                ]
        )
        #expect(
            explanation.keys
                == [
                    "ehlo.PIPELINING", "ehlo.SIZE", "ehlo.STARTTLS", "ehlo.AUTH", "ehlo.AUTH.PLAIN", "ehlo.AUTH.LOGIN",
                    "ehlo.8BITMIME", "ehlo.ENHANCEDSTATUSCODES", "ehlo.SMTPUTF8",
                ]
        )
        #expect(
            explanation.parts.filter { $0.role == .unknownKeyword }.map(\.label) == ["AUTH XOAUTH9", "X-UNKNOWN-THING"])
        #expect(explanation.hints(in: .en).isEmpty)
        let size = explanation.parts[1]
        #expect(size.meaning[.en]?.contains("messages up to 35 MB") == true)
        #expect(size.meaning[.fr]?.contains("35\u{00A0}Mo") == true)
        #expect(size.meaning[.ja]?.contains("35 MB") == true)
        #expect(catalog.explainEHLO(reply, options: .full).hints(in: .en).count == 8)  // ENHANCEDSTATUSCODES has none
    }

    @Test func anotherReplyToEHLOIsExplainedAsAReply() {
        let reply = Reply(code: .syntaxError, "5.5.1 command not recognized")
        #expect(catalog.explainEHLO(reply).keys == ["enhanced.5.1", "basic.500"])
    }

    @Test(arguments: [
        ("PIPELINING", ["ehlo.PIPELINING"]),
        ("size 10240000", ["ehlo.SIZE"]),
        ("AUTH PLAIN LOGIN", ["ehlo.AUTH", "ehlo.AUTH.PLAIN", "ehlo.AUTH.LOGIN"]),
        ("CRAM-MD5", ["ehlo.AUTH.CRAM-MD5"]),
    ])
    func oneKeywordLine(line: String, keys: [String]) throws {
        let explanation = try #require(catalog.explain(keywordLine: line))
        #expect(explanation.keys == keys)
    }

    @Test func anUnknownKeywordAloneIsNotExplained() {
        #expect(catalog.explain(keywordLine: "FROBNICATE") == nil)
        #expect(catalog.explain(keywordLine: "") == nil)
    }

    // MARK: - AUTH challenges

    @Test(arguments: [
        ("334 VXNlcm5hbWU6", "auth-challenge.Username:", "“Username:”"),
        ("334 UGFzc3dvcmQ6", "auth-challenge.Password:", "“Password:”"),
        ("334 dXNlcm5hbWU6", "auth-challenge.Username:", "“username:”"),
        // aiosmtpd's prompts end with a NUL, which is dropped: "User Name\0", "Password\0".
        ("334 VXNlciBOYW1lAA==", "auth-challenge.User Name", "“User Name”"),
        ("334 UGFzc3dvcmQA", "auth-challenge.Password", "“Password”"),
        ("334 YQBi", nil, nil),  // "a\0b": not text, so not decoded
        ("334 VXNlciBOYW1l", "auth-challenge.User Name", "“User Name”"),
    ])
    func aLoginChallengeIsDecoded(line: String, key: String?, label: String?) {
        let explanation = catalog.explain(Self.reply(line))
        if let key {
            #expect(explanation.keys == [key])
            #expect(explanation.parts[0].label == label)
            #expect(explanation.hints(in: .ja).count == 1)
        } else {
            #expect(explanation.keys == ["basic.334"])
        }
    }

    @Test func anotherChallengeIsShownDecoded() {
        // RFC 2195's CRAM-MD5 example.
        let explanation = catalog.explain(Self.reply("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"))
        #expect(explanation.parts.map(\.role) == [.decodedChallenge, .basicCode])
        #expect(explanation.parts[0].meaning[.en]?.contains("<1896.697170952@postoffice.reston.mci.net>") == true)
        #expect(explanation.keys == ["basic.334"])
    }

    @Test func anEmptyChallengeIsThe334Meaning() {
        #expect(catalog.explain(Self.reply("334 ")).keys == ["basic.334"])
        #expect(catalog.explain(Self.reply("334 ####")).keys == ["basic.334"])
    }

    // MARK: - The registry's classes

    /// The meaning of the enhanced part of an explanation, in one language.
    func enhancedMeaning(_ explanation: Explanation, _ language: Language) -> String {
        explanation.parts.first { $0.role == .enhancedCode }?.meaning[language] ?? ""
    }

    /// X.5.2 is registered for permanent failures: said so under a 5.5.2, not under the
    /// 2.5.2 of `252 2.5.2 Cannot VRFY user` (what `smtpsh demo` shows after VRFY), where the
    /// note says the success is what counts.
    @Test func theRegistryNoteFollowsTheClassReceived() {
        let permanent = catalog.explain(Self.reply("501 5.5.2 Syntax error"), options: .full)
        #expect(enhancedMeaning(permanent, .en).hasSuffix("or it is unknown. Registered for permanent failures only."))
        #expect(enhancedMeaning(permanent, .fr).hasSuffix("Code réservé aux échecs permanents."))
        #expect(enhancedMeaning(permanent, .ja).hasSuffix("できませんでした。本来は恒久的な失敗（5.X.X）でのみ使うコードです。"))

        let success = catalog.explain(Self.reply("252 2.5.2 Cannot VRFY user, but will accept message"), options: .full)
        for language in Language.allCases {
            let text = enhancedMeaning(success, language)
            #expect(text.hasSuffix(catalog.message("registry-failure-as-success", in: language)), "\(text)")
            #expect(!text.contains(catalog.message("registry-only-5", in: language)))
        }
        let english = success.meanings(in: .en).map(\.text).joined(separator: " ")
        #expect(!english.lowercased().contains("permanent failures only"))
        // Nothing to fix under a success: the hint is 252's, not X.5.2's "check spelling".
        #expect(success.hints(in: .en).map(\.label) == ["252"])
        #expect(permanent.hints(in: .en).map(\.label) == ["5.5.2"])
    }

    @Test func aCodeRegisteredForOneClassSentWithAnother() throws {
        // 4.7.1: registered as permanent; often greylisting.
        let greylisting = catalog.explain(enhancedCode: try #require(EnhancedStatusCode("4.7.1")), options: .full)
        #expect(
            enhancedMeaning(greylisting, .fr).hasSuffix(
                "Code réservé aux échecs permanents, mais employé ici pour un échec temporaire\u{00A0}: une nouvelle tentative peut réussir."
            ))
        #expect(!enhancedMeaning(greylisting, .fr).contains("Échec permanent"))
        // 5.2.2: registered as transient, sent as permanent.
        let full = catalog.explain(Self.reply("552 5.2.2 Mailbox full"))
        #expect(enhancedMeaning(full, .en).hasSuffix(catalog.message("registry-transient-as-permanent", in: .en)))
        // 2.1.5 is registered for successes: noted under 250, contrasted under a failure.
        let accepted = catalog.explain(Self.reply("250 2.1.5 OK"))
        #expect(enhancedMeaning(accepted, .en).hasSuffix("Registered for successes only."))
        let refused = catalog.explain(Self.reply("550 5.1.5 refused"))
        #expect(enhancedMeaning(refused, .ja).hasSuffix(catalog.message("registry-success-as-failure", in: .ja)))
        // A code the registry does not restrict gets no note.
        let ambiguous = catalog.explain(Self.reply("550 5.1.4 ambiguous"))
        #expect(enhancedMeaning(ambiguous, .en) == catalog["enhanced.1.4"]?.meaning[.en])
    }

    /// Every note exists in every language, and ends a sentence.
    @Test(arguments: [
        "registry-only-2", "registry-only-4", "registry-only-5", "registry-permanent-as-transient",
        "registry-transient-as-permanent", "registry-failure-as-success", "registry-success-as-failure",
    ])
    func everyRegistryNoteExists(name: String) {
        for language in Language.allCases {
            let text = catalog.message(name, in: language)
            #expect(text != name)
            #expect(text.hasSuffix(language == .ja ? "。" : "."))
        }
    }

    /// The class is not in the text any more: a meaning that says "permanent failures only"
    /// would be shown under every class. It is the `classes:` line's job.
    @Test func noEnhancedMeaningStatesItsClass() {
        let stated = [
            "failures only", "Meant as", "Used with 5xx", "Permanent failures.", "seulement.", "Uniquement en 5xx",
            "Échec permanent.", "失敗専用", "失敗用", "でのみ使われます",
        ]
        for entry in catalog.entries {
            guard case .enhanced = entry.key.kind else { continue }
            for language in Language.allCases {
                let text = entry.meaning[language] ?? ""
                for words in stated { #expect(!text.contains(words), "\(entry.key) \(language): \(text)") }
            }
        }
    }

    @Test func theCheatSheetStatesTheRegisteredClass() {
        let sheet = CatalogCheatSheet.render(language: .en, columns: 1000)
        let line = sheet.first { $0.hasPrefix("  X.1.1 ") }
        #expect(line?.hasSuffix("Registered for permanent failures only.") == true, "\(line ?? "")")
        let japanese = CatalogCheatSheet.render(language: .ja, columns: 1000)
        #expect(japanese.first { $0.hasPrefix("  X.2.2 ") }?.hasSuffix("本来は一時的な失敗（4.X.X）でのみ使うコードです。") == true)
    }
}
