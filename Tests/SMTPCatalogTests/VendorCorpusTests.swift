import Foundation
import SMTPCore
import Testing
@testable import SMTPCatalog

/// The vendor corpus (issue 17): over 400 reply lines as servers send them, with
/// addresses, IPs, host names and ids of their own (Fixtures/vendor-replies.tsv), each with
/// the vendor and category it must get; and no line of one vendor attributed to another.
@Suite struct VendorCorpusTests {
    struct Row: CustomStringConvertible {
        var vendor: String?
        var category: String
        /// The line is its vendor's only once the server is recognised (a generic line).
        var known: Bool
        var command: String?
        var lines: [String]

        var description: String { lines.joined(separator: " / ") }
        var reply: Reply { Reply(lines: lines.map { ReplyLine(bytes: Array($0.utf8)) }) }
    }

    static let rows: [Row] = {
        let url = Fixtures.packageDirectory.appendingPathComponent("Tests/SMTPCatalogTests/Fixtures/vendor-replies.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5 else { return nil }
            return Row(
                vendor: fields[0] == "-" ? nil : fields[0], category: fields[1], known: fields[2] == "known",
                command: fields[3] == "-" ? nil : fields[3],
                lines: fields[4].components(separatedBy: "\\n"))
        }
    }()

    let catalog = Catalog.shared

    @Test func theCorpusIsLargeEnough() {
        #expect(Self.rows.count >= 400)
        let vendors = Set(Self.rows.compactMap(\.vendor))
        #expect(vendors.count >= 12, "\(vendors.sorted())")
        // Every vendor of the catalogue is in the corpus, with several lines.
        for vendor in catalog.serverVendors where vendor != "appliance" && vendor != "smtpsh" {
            #expect(Self.rows.filter { $0.vendor == vendor }.count >= 4, "\(vendor)")
        }
    }

    @Test func everyLineFindsItsVendorAndCategory() {
        for row in Self.rows {
            let context = ExplainContext(command: row.command, server: row.known ? row.vendor : nil)
            for options in [ExplainOptions.concise, .full] {
                let explanation = catalog.explain(row.reply, options: options, context: context)
                #expect(explanation.vendor == row.vendor, "\(row)")
                #expect(explanation.classification.category.rawValue == row.category, "\(row): \(explanation.keys)")
                if row.vendor != nil {
                    #expect(explanation.keys.first?.hasPrefix("vendor.\(row.vendor!).") == true, "\(row)")
                    #expect(explanation.source?.isEmpty == false, "\(row)")
                }
            }
        }
    }

    /// Whatever server is recognised, a line is its own vendor's or nobody's; it goes to the
    /// recognised server only when that server sends the very same line (a generic one).
    /// Once a server is recognised, another vendor's texts no longer apply.
    @Test func noLineIsAttributedToAnotherVendor() {
        let servers: [String?] = [nil] + catalog.serverVendors.map { Optional($0) }
        for row in Self.rows {
            for server in servers {
                let explanation = catalog.explain(row.reply, context: ExplainContext(command: row.command, server: server))
                if let server, server != row.vendor {
                    #expect(explanation.vendor == nil || explanation.vendor == server, "\(row) with server \(server)")
                }
                guard let vendor = explanation.vendor, vendor != row.vendor else { continue }
                let match = catalog.textMatch(in: row.reply, server: server)
                #expect(vendor == server && match?.isGeneric == true, "\(row) went to \(vendor) with server \(server ?? "none")")
            }
        }
    }

    /// smtpsh's practice server borrows common wording; recognised by its greeting, it is
    /// nobody else.
    @Test func thePracticeServerIsNotAnotherVendor() {
        let greeting = Reply(lines: [ReplyLine(bytes: Array("220 practice.localhost ESMTP smtpsh practice server".utf8))])
        #expect(catalog.recognise(greeting, answering: "connect")?.vendor == "smtpsh")
        for line in ["221 2.0.0 practice.localhost closing connection", "421 4.7.0 practice.localhost Error: too many errors",
                     "235 2.7.0 Authentication successful", "354 End data with <CR><LF>.<CR><LF>"] {
            let reply = Reply(lines: [ReplyLine(bytes: Array(line.utf8))])
            #expect(catalog.explain(reply, context: ExplainContext(server: "smtpsh")).vendor == nil, "\(line)")
        }
    }

    /// A generic line without its server is nobody's: the codes explain it.
    @Test func aGenericLineNeedsItsServer() {
        for row in Self.rows where row.known {
            let explanation = catalog.explain(row.reply, context: ExplainContext(command: row.command))
            #expect(explanation.vendor == nil, "\(row)")
        }
    }

    /// What recognises a server: its greeting, or a line only it sends.
    @Test func greetingsRecogniseTheirServer() {
        let greetings: [(String, String)] = [
            ("220 mx.acme-corp.de ESMTP Postfix (Debian/GNU)", "postfix"),
            ("220 mail02.example.org ESMTP Exim 4.96 Mon, 07 Dec 2026 10:21:33 +0000", "exim"),
            ("220 smtp.example.net ESMTP Sendmail 8.17.1.9/8.17.1.9; Mon, 7 Dec 2026 10:21:33 GMT", "sendmail"),
            ("220 mx.kaisha.co.jp ESMTP OpenSMTPD", "opensmtpd"),
            ("220 AM4PEPF00025F9D.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Mon, 7 Dec 2026 10:21:33 +0000", "microsoft"),
            ("220 mx.google.com ESMTP 41be03b00d2f7-7f3a1si99912a.88 - gsmtp", "google"),
            ("220 mta7.am0.yahoodns.net ESMTP ready", "yahoo"),
            ("220 mx01.mail.icloud.com ESMTP", "apple"),
            ("220 us-smtp-inbound-2.mimecast.com ESMTP Service ready", "mimecast"),
            ("220 mx0b-00190b01.pphosted.com ESMTP mfa-m0214089", "proofpoint"),
            ("220 d123456a.ess.barracudanetworks.com ESMTP (5a4b3c2d1e0f)", "barracuda"),
            ("220 mx.example.org ESMTP Haraka/3.0.3 ready", "haraka"),
            ("220 test.example.org Python SMTP 1.4.6", "aiosmtpd"),
            ("220 resimta-po-21v.sys.comcast.net resimta-po-21v.sys.comcast.net ESMTP server ready", "comcast"),
        ]
        for (line, vendor) in greetings {
            let reply = Reply(lines: [ReplyLine(bytes: Array(line.utf8))])
            #expect(catalog.recognise(reply, answering: "connect")?.vendor == vendor, "\(line)")
        }
        // A bare greeting says nothing.
        let plain = Reply(lines: [ReplyLine(bytes: Array("220 mx.example.org ESMTP".utf8))])
        #expect(catalog.recognise(plain, answering: "connect") == nil)
        // A reply only Postfix sends gives it away, with the reply as evidence.
        let relay = Reply(lines: [ReplyLine(bytes: Array("554 5.7.1 <bob@example.com>: Relay access denied".utf8))])
        let found = catalog.recognise(relay, answering: "rcpt")
        #expect(found?.vendor == "postfix")
        if case .reply(let text)? = found?.evidence { #expect(text.hasPrefix("554 5.7.1")) } else { Issue.record("\(String(describing: found))") }
    }
}
