import Testing
@testable import SMTPCatalog

/// What `smtpsh explain` reads in logs and bounces (issue 17): the reply, and the command
/// it answers when the text says so.
@Suite struct PastedTextReaderTests {
    func replies(_ text: String) -> [(lines: [String], command: String?)] {
        var reader = PastedTextReader()
        var items: [PastedTextReader.Item] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) { items += reader.read(line) }
        items += reader.finish()
        return items.compactMap { if case .reply(let lines, let command, _) = $0 { (lines, command) } else { nil } }
    }

    /// A Postfix bounce wraps the remote reply over indented lines (A10 of the walk-through).
    @Test func aWrappedPostfixBounce() {
        let bounce = """
            <bob@example.com>: host mx.example.com[203.0.113.5] said: 550 5.7.1
                Service unavailable; client [198.51.100.7] blocked using zen.spamhaus.org
                (in reply to RCPT TO command)
            <carol@example.com>: host mx.example.com[203.0.113.5] said: 554 5.7.1
                <carol@example.com>: Relay access denied (in reply to RCPT TO command)
            """
        let found = replies(bounce)
        #expect(found.count == 2)
        #expect(found.first?.lines == ["550 5.7.1 Service unavailable; client [198.51.100.7] blocked using zen.spamhaus.org"])
        #expect(found.first?.command == "rcpt")
        #expect(found.last?.lines == ["554 5.7.1 <carol@example.com>: Relay access denied"])
        let explanation = Catalog.shared.explain(input: bounce)
        guard case .explained(_, let first)? = explanation.first else { Issue.record("\(explanation)"); return }
        #expect(first.vendor == "postfix")
        #expect(first.classification.category == .reputation)
        #expect(first.command == "rcpt")
    }

    @Test func postfixLogLines() {
        let log = """
            Dec  7 10:21:33 mx postfix/smtp[1234]: 4ABC123: to=<bob@example.com>, relay=mx.example.com[203.0.113.5]:25, delay=1.2, delays=0.1/0/0.3/0.8, dsn=5.1.1, status=bounced (host mx.example.com[203.0.113.5] said: 550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command))
            Dec  7 10:21:34 mx postfix/smtpd[99]: NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 554 5.7.1 <x@gmail.com>: Relay access denied; from=<a@example.org> to=<x@gmail.com> proto=ESMTP helo=<client.example.org>
            Dec  7 10:21:35 mx postfix/smtp[1235]: 5DEF456: to=<ann@example.org>, relay=mx.example.org[192.0.2.8]:25, delay=0.4, dsn=4.0.0, status=deferred (host mx.example.org[192.0.2.8] said: 451 4.3.0 Try again (in reply to end of DATA command))
            Dec  7 10:21:36 mx postfix/smtp[1236]: 7GHI789: host mx.example.net[192.0.2.9] refused to talk to me: 554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org
            Dec  7 10:21:37 mx postfix/qmgr[88]: 4ABC123: removed
            """
        let found = replies(log)
        #expect(found.map(\.command) == ["rcpt", "rcpt", "dot", "connect"])
        #expect(found[0].lines == ["550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in local recipient table"])
        #expect(found[1].lines == ["554 5.7.1 <x@gmail.com>: Relay access denied"])
        #expect(found[2].lines == ["451 4.3.0 Try again"])
        // The log's lines without a reply are no reply, and no error for smtpsh explain either.
        let items = Catalog.shared.explain(input: log, skippingOther: true)
        #expect(items.count == 4)
    }

    @Test func eximLogAndBounceLines() {
        let log = """
            2026-12-07 10:21:33 1rABCD-000123-AB ** bob@example.com R=dnslookup T=remote_smtp H=mx.example.com [203.0.113.5]: SMTP error from remote mail server after RCPT TO:<bob@example.com>: 550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown
            2026-12-07 10:21:34 1rABCE-000124-AB == ann@example.org R=dnslookup T=remote_smtp defer (-44) H=mx.example.org [192.0.2.8]: SMTP error from remote mail server after end of data: 451 4.7.1 Greylisted, try again later
            2026-12-07 10:21:35 1rABCF-000125-AB H=mx.example.net [192.0.2.9]: SMTP error from remote mail server after pipelined MAIL FROM:<a@example.org> SIZE=1758: 421 4.7.0 [TSS04] Messages from 198.51.100.7 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes
            """
        let found = replies(log)
        #expect(found.map(\.command) == ["rcpt", "dot", "mail"])
        #expect(found[1].lines == ["451 4.7.1 Greylisted, try again later"])
        let items = Catalog.shared.explain(input: log, skippingOther: true)
        guard case .explained(_, let yahoo)? = items.last else { Issue.record("\(items)"); return }
        #expect(yahoo.vendor == "yahoo")
        #expect(yahoo.keys.first == "vendor.yahoo.deferred-volume")
        // An Exim bounce: the reply on the line after "after RCPT TO:<…>:".
        let bounce = """
              host mx.example.com [203.0.113.5]
              SMTP error from remote mail server after RCPT TO:<bob@example.com>:
              550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table
            """
        #expect(replies(bounce).map(\.command) == ["rcpt"])
    }

    @Test func anExchangeNDRAndADeliveryStatus() {
        let ndr = """
            Diagnostic information for administrators:
            Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'
            """
        let found = replies(ndr)
        #expect(found.first?.lines == ["550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"])
        let items = Catalog.shared.explain(input: ndr, skippingOther: true)
        guard case .explained(_, let explanation)? = items.first else { Issue.record("\(items)"); return }
        #expect(explanation.vendor == "microsoft")
        // A folded Diagnostic-Code.
        let dsn = """
            Action: failed
            Status: 5.0.0
            Diagnostic-Code: smtp; 550 5.7.1 Unfortunately, messages from [198.51.100.7]
             weren't sent. Please contact your Internet service provider since part of
             their network is on our block list (S3150).
            Remote-MTA: dns; hotmail-com.olc.protection.outlook.com
            """
        let status = replies(dsn)
        #expect(status.count == 1)
        #expect(status.first?.lines.first?.hasSuffix("on our block list (S3150).") == true)
        let explained = Catalog.shared.explain(input: dsn).compactMap { item -> Explanation? in
            if case .explained(_, let explanation) = item, case .reply = explanation.subject { explanation } else { nil }
        }
        #expect(explained.first?.keys.first == "vendor.microsoft.outlook-block-list")
    }

    /// A pasted transcript: the greeting makes Postfix's generic lines apply after it.
    @Test func aGreetingInThePasteRecognisesTheServer() {
        let transcript = """
            <-  220 mx.postfix.test ESMTP Postfix
             -> HELO client.example.org
            <-  250 mx.postfix.test
            <-  221 2.0.0 Bye
            """
        let items = Catalog.shared.explain(input: transcript, skippingOther: true)
        let explanations = items.compactMap { item -> Explanation? in
            if case .explained(_, let explanation) = item { explanation } else { nil }
        }
        #expect(explanations.first?.server?.vendor == "postfix")
        // The transcript's commands say what each reply answers.
        #expect(explanations.map(\.command) == [nil, "helo", nil])
        #expect(explanations.dropFirst().allSatisfy { $0.vendor == "postfix" }, "\(explanations.map(\.keys))")
        // The same lines alone are nobody's.
        #expect(Catalog.shared.textMatch("250 mx.postfix.test") == nil)
    }
}
