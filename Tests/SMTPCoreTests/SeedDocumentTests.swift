import Foundation
import Testing
@testable import SMTPCore

/// The seed documents' facts: every reply line the appliance sends, and its telnet session.
@Suite struct SeedDocumentTests {
    struct ApplianceLine: CustomStringConvertible, Sendable {
        var line: String
        var code: Int
        var enhanced: String?
        var text: String
        var description: String { line }
    }

    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static let applianceLines: [ApplianceLine] = {
        guard let text = try? fixture("appliance-replies.tsv") else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { row in
            let columns = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return ApplianceLine(
                line: columns[0],
                code: Int(columns[1])!,
                enhanced: columns[2] == "-" ? nil : columns[2],
                text: columns[3]
            )
        }
    }()

    @Test func theFixtureHoldsEveryListedLine() {
        #expect(Self.applianceLines.count == 50)
    }

    @Test(arguments: applianceLines, Chunking.allCases)
    func everyApplianceLineParses(line: ApplianceLine, chunking: Chunking) throws {
        let replies = ReplyParser.replies(chunking.chunks((line.line + "\r\n").bytes))
        let reply = try #require(replies.first)
        #expect(replies.count == 1)
        #expect(reply.code.rawValue == line.code)
        #expect(reply.enhancedStatusCode?.description == line.enhanced)
        let prefixLength = reply.enhancedStatusCodePrefix?.length ?? 0
        #expect(String(decoding: reply.lines[0].text.dropFirst(prefixLength), as: UTF8.self) == line.text)
        #expect(reply.violations.isEmpty)
    }

    @Test func specialCases() throws {
        let tooMany = try #require(ReplyParser.parseAll("421 #4.x.2 Too many messages to this session\r\n".bytes).first)
        #expect(tooMany.code == .serviceNotAvailable)
        #expect(tooMany.enhancedStatusCode == nil)
        #expect(tooMany.text == "#4.x.2 Too many messages to this session")

        let mailmerge = try #require(
            ReplyParser.parseAll("503 Bad sequence of commandsDATA within mailmerge transaction\r\n".bytes).first
        )
        #expect(mailmerge.code == .badSequence)
        #expect(mailmerge.enhancedStatusCode == nil)
        #expect(mailmerge.text == "Bad sequence of commandsDATA within mailmerge transaction")

        let queueFull = try #require(ReplyParser.parseAll("452 #4.3.1 queue full\r\n".bytes).first)
        #expect(queueFull.enhancedStatusCode == EnhancedStatusCode("4.3.1"))
        #expect(queueFull.enhancedStatusCodePrefix?.hashPrefixed == true)
    }

    /// The telnet session of the seed documents, walked through the state machine.
    @Test func theTelnetSessionIsAGoldenTranscript() throws {
        let transcript = try Self.fixture("telnet-session.txt").split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(transcript.firstIndex(where: { $0.hasPrefix("Escape character") })) + 1
        let end = try #require(transcript.firstIndex(where: { $0.hasPrefix("Connection closed") }))
        var machine = SessionStateMachine()
        var phases: [SessionStateMachine.Phase] = []
        var replies: [Int] = []
        for line in transcript[start..<end] {
            let bytes = Array(line.utf8)
            // A line shaped like a reply is the server's while the client waits for one.
            let isServerLine = ReplyLine(bytes: bytes).code != nil && !machine.pending.isEmpty
            if isServerLine {
                let reply = try #require(ReplyParser.parseAll(bytes + [13, 10]).first)
                let outcome = machine.replyReceived(reply)
                #expect(outcome.isPositive, "\(line)")
                replies.append(reply.code.rawValue)
                phases.append(machine.phase)
            } else if machine.inputMode == .messageBody {
                machine.messageLineSent(bytes)
            } else {
                let command = (try? CommandParser.parse(bytes)) ?? .raw(bytes)
                machine.commandSent(command)
            }
        }
        #expect(replies == [220, 250, 250, 250, 354, 250, 221])
        #expect(phases == [.greeted, .ready, .mailTransaction, .recipientsAccepted(1), .data, .ready, .closed])
        #expect(machine.messagesAccepted == 1)
        #expect(machine.pending.isEmpty)
    }
}
