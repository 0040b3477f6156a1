import Testing
@testable import SMTPCatalog

@Suite struct ReplyPatternTests {
    let key = CatalogKey("appliance.test")!

    func pattern(_ text: String) throws -> ReplyPattern {
        try ReplyPattern(parsing: text, key: key, order: 0)
    }

    @Test func literalWordsMatchExactly() throws {
        let queueFull = try pattern("452 #4.3.1 queue full")
        #expect(queueFull.match(ReplyPattern.words(of: "452 #4.3.1 queue full")) == [:])
        #expect(queueFull.match(ReplyPattern.words(of: "452  #4.3.1   queue\tfull")) == [:])
        #expect(queueFull.match(ReplyPattern.words(of: "452-#4.3.1 queue full")) == [:])
        #expect(queueFull.match(ReplyPattern.words(of: "452 #4.3.1 Queue full")) == nil)
        #expect(queueFull.match(ReplyPattern.words(of: "452 #4.3.1 queue full now")) == nil)
        #expect(queueFull.match(ReplyPattern.words(of: "452 4.3.1 queue full")) == nil)
    }

    @Test func placeholdersTakeOneWord() throws {
        let sender = try pattern("250 sender <{arg}> ok")
        #expect(sender.match(ReplyPattern.words(of: "250 sender <a@b.example> ok")) == ["arg": "a@b.example"])
        #expect(sender.match(ReplyPattern.words(of: "250 sender <> ok")) == nil)
        #expect(sender.match(ReplyPattern.words(of: "250 sender a@b.example ok")) == nil)
        let unknown = try pattern("501 Unknown command {arg}")
        #expect(unknown.match(ReplyPattern.words(of: "501 Unknown command XXX")) == ["arg": "XXX"])
        #expect(unknown.match(ReplyPattern.words(of: "501 Unknown command two words")) == nil)
    }

    @Test(arguments: [
        ("my_esa.local", true), ("mail.example.org", true), ("192.0.2.1", true), ("[192.0.2.1]", true),
        ("[IPv6:2001:db8::1]", true), ("2001:db8::25", true), ("<hostname>", true), ("MX1.EXAMPLE.COM", true),
        ("ok", false), ("OK", false), ("2.0.0", false), ("localhost", false), ("Bye", false), ("1.2.3", false),
        (".example", false), ("example.", false), ("ok:", false), ("a/b.c", false),
    ])
    func whatLooksLikeAHost(word: String, isHost: Bool) {
        #expect(ReplyPattern.looksLikeHost(Substring(word)) == isHost)
    }

    @Test func specificity() throws {
        #expect(try pattern("504 Invalid part number {arg}").literalLength > pattern("250 {host}").literalLength)
        #expect(try pattern("250 {host}").literalWordCount == 0)
        #expect(try pattern("220 {host} ESMTP").literalWordCount == 1)
        #expect(try pattern("354 go ahead").literalWordCount == 2)
        #expect(try pattern("250 sender <{arg}> ok").placeholderCount == 1)
    }

    /// Of two patterns that fit, the one with more literal text wins, whatever their order.
    @Test func theMostSpecificPatternWins() throws {
        let text = """
            [appliance.any-ok]
            match: 250 {arg}
            en: Any. 
            fr: Any.
            ja: Any.

            [appliance.plain-ok]
            match: 250 ok
            en: OK.
            fr: OK.
            ja: OK.

            [appliance.two]
            match: 250 {arg} {host}
            en: Two.
            fr: Two.
            ja: Two.

            [appliance.two-literal]
            match: 250 done {host}
            en: Done.
            fr: Done.
            ja: Done.
            """
        let catalog = Catalog(sources: [CatalogSource(name: "t.catalog", text: text)])
        #expect(catalog.diagnostics.isEmpty)
        // All four are generic (one literal word or none): they need their server.
        #expect(catalog.textMatch("250 ok", server: "appliance")?.entry.key.rawValue == "appliance.plain-ok")
        #expect(catalog.textMatch("250 fine", server: "appliance")?.entry.key.rawValue == "appliance.any-ok")
        #expect(catalog.textMatch("250 done mx.example.org", server: "appliance")?.entry.key.rawValue == "appliance.two-literal")
        #expect(catalog.textMatch("250 finished mx.example.org", server: "appliance")?.entry.key.rawValue == "appliance.two")
        #expect(catalog.textMatch("250 ok") == nil)
        #expect(catalog.textMatch("550 ok") == nil)
    }

    @Test func badPatterns() {
        #expect(throws: ReplyPattern.Invalid.self) { try pattern("hello") }
        #expect(throws: ReplyPattern.Invalid.self) { try pattern("199 too low") }
        #expect(throws: ReplyPattern.Invalid.self) { try pattern("250 {host}{arg}") }
        #expect(throws: ReplyPattern.Invalid.self) { try pattern("250 {size}") }
    }
}
