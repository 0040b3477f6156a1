import Testing
@testable import SMTPCatalog

/// `smtpsh explain` input: codes, lines, pasted transcripts and bounce messages.
@Suite struct CatalogInputTests {
    let catalog = Catalog.shared

    func keys(_ input: String) -> [[String]] {
        catalog.explain(input: input).map { item in
            switch item {
            case .explained(_, let explanation): explanation.keys
            case .notUnderstood: ["?"]
            }
        }
    }

    func inputs(_ input: String) -> [String] {
        catalog.explain(input: input).map { item in
            switch item {
            case .explained(let input, _), .notUnderstood(let input): input
            }
        }
    }

    @Test func aBareCode() {
        #expect(keys("550") == [["basic.550", "class.5"]])
        #expect(keys("  599 ") == [["class.5"]])
    }

    /// A bounce's delivery status pasted whole: Status and Diagnostic-Code explained, the
    /// fields without a code skipped (not errors).
    @Test func aWholeDeliveryStatus() {
        let bounce = """
            Reporting-MTA: dns; mail.example.org
            Final-Recipient: rfc822; bob@example.org
            Action: failed
            Status: 5.1.1 (bad destination mailbox)
            Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected
            """
        #expect(inputs(bounce) == ["5.1.1", "550 5.1.1 <bob@example.org>: Recipient address rejected"])
        #expect(keys(bounce).first == ["enhanced.1.1", "enhanced-class.5"])
        #expect(keys("Action: failed\nhello").last == ["?"])
    }

    @Test func aBareEnhancedCode() {
        #expect(keys("5.1.1") == [["enhanced.1.1", "enhanced-class.5"]])
        #expect(keys("#4.3.1") == [["enhanced.3.1", "enhanced-class.4"]])
        #expect(keys("5.7.708") == [["enhanced-subject.7", "enhanced-class.5"]])
    }

    @Test func aReplyLine() {
        #expect(keys("452 #4.3.1 queue full") == [["appliance.queue-full", "enhanced.3.1", "basic.452", "class.4"]])
    }

    @Test(arguments: [
        "550-5.7.1 [203.0.113.5] Our system has detected an unusual rate",
        "<-  550-5.7.1 [203.0.113.5] Our system has detected an unusual rate",
        "<~ 550 5.7.1 [203.0.113.5] Our system has detected an unusual rate",
        "   550 5.7.1 [203.0.113.5] Our system has detected an unusual rate   ",
        "S: 550 5.7.1 Our system has detected",
        "> 550 5.7.1 Our system has detected",
        "Diagnostic-Code: smtp; 550 5.7.1 Our system has detected",
        "host mx.example.org[192.0.2.1] said: 550 5.7.1 Our system has detected (in reply to end of DATA command)",
    ])
    func aPastedLine(line: String) {
        // Postfix's "(in reply to end of DATA command)" says which command the reply answers.
        let command = line.hasSuffix("DATA command)") ? ["command.dot.550"] : []
        #expect(keys(line) == [["enhanced.7.1"] + command + ["basic.550", "class.5"]])
        #expect(inputs(line)[0].hasPrefix("550"))
    }

    @Test func aMultiLineReplyIsOneItem() {
        let text = """
            550-5.7.1 [203.0.113.5] Our system has detected an unusual rate of
            550-5.7.1 unsolicited mail originating from your IP address.
            550 5.7.1 https://support.example.com/mail/?p=UnsolicitedIPError
            """
        #expect(keys(text) == [["enhanced.7.1", "basic.550", "class.5"]])
        #expect(inputs(text)[0].split(separator: "\n").count == 3)
    }

    @Test func severalLinesAreSeveralItems() {
        #expect(keys("550\n\n5.1.1\r\n452 #4.3.1 queue full").count == 3)
        #expect(keys("250-first\n550 second") == [["basic.250", "class.2"], ["basic.550", "class.5"]])
    }

    @Test func anEHLOReplyIsExplainedByKeyword() {
        let text = "250-mail.example.org\n250-PIPELINING\n250-SIZE 35882577\n250 AUTH PLAIN LOGIN"
        #expect(keys(text) == [["ehlo.PIPELINING", "ehlo.SIZE", "ehlo.AUTH", "ehlo.AUTH.PLAIN", "ehlo.AUTH.LOGIN"]])
        #expect(keys("250-SIZE 35882577") == [["ehlo.SIZE"]])
        #expect(keys("SIZE 35882577") == [["ehlo.SIZE"]])
        #expect(keys("250 OK") == [["basic.250", "class.2"]])
    }

    @Test func aChallenge() {
        #expect(keys("334 VXNlcm5hbWU6") == [["auth-challenge.Username:", "basic.334", "class.3"]])
    }

    @Test(arguments: ["hello", "600", "199", "55", "5.1", "6.0.0", "5.x.1", "#", "600 Oops", "x550"])
    func somethingElseIsNotUnderstood(input: String) {
        #expect(keys(input) == [["?"]])
    }

    @Test func blankInputIsNothing() {
        #expect(catalog.explain(input: "").isEmpty)
        #expect(catalog.explain(input: "  \n \r\n").isEmpty)
    }

    @Test func hugeOrOddInputNeverCrashes() {
        _ = catalog.explain(input: String(repeating: "550-", count: 10_000))
        _ = catalog.explain(input: String(repeating: "x", count: 100_000))
        _ = catalog.explain(input: "334 \u{0}\u{1B}[2J")
        _ = catalog.explain(input: "5\u{301}50")
        _ = catalog.explain(input: "250-\n250-\n250 ")
    }
}
