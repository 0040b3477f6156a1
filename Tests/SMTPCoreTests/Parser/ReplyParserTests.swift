import Testing
@testable import SMTPCore

@Suite struct ReplyParserTests {
    struct Fixture: CustomStringConvertible, Sendable {
        var wire: String
        /// (code, line texts) per reply.
        var replies: [(Int, [String])]
        var description: String { wire.debugDescription }
    }

    static let fixtures: [Fixture] = [
        Fixture(wire: "220 mail.example.org ESMTP\r\n", replies: [(220, ["mail.example.org ESMTP"])]),
        Fixture(
            wire: "250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n",
            replies: [(250, ["mail.example.org", "PIPELINING", "SIZE 10240000", "8BITMIME"])]
        ),
        Fixture(wire: "250 OK\r\n354 go ahead\r\n", replies: [(250, ["OK"]), (354, ["go ahead"])]),
        Fixture(wire: "250\r\n", replies: [(250, [""])]),
        Fixture(wire: "250 \r\n", replies: [(250, [""])]),
        Fixture(wire: "221 bye\n", replies: [(221, ["bye"])]),
        Fixture(wire: "250-a\n250 b\r\n", replies: [(250, ["a", "b"])]),
        Fixture(wire: "550 5.1.1 <x@y>: unknown\r\n", replies: [(550, ["5.1.1 <x@y>: unknown"])]),
        Fixture(wire: "250-\r\n250 last\r\n", replies: [(250, ["", "last"])]),
    ]

    @Test(arguments: fixtures, Chunking.allCases)
    func parsesInAnyChunking(fixture: Fixture, chunking: Chunking) {
        let replies = ReplyParser.replies(chunking.chunks(fixture.wire.bytes))
        #expect(replies.map(\.code.rawValue) == fixture.replies.map(\.0))
        #expect(replies.map(\.textLines) == fixture.replies.map(\.1))
    }

    @Test(arguments: fixtures)
    func parsesWhenSplitAtEveryPosition(fixture: Fixture) {
        for split in Chunking.everySplit(fixture.wire.bytes) {
            let replies = ReplyParser.replies(split)
            #expect(replies.map(\.code.rawValue) == fixture.replies.map(\.0), "split \(split.map(\.count))")
            #expect(replies.map(\.textLines) == fixture.replies.map(\.1))
        }
    }

    @Test func incompleteUntilTheLastLineEnds() {
        var parser = ReplyParser()
        parser.append("250-mail.example.org\r\n250 PIPELINING".bytes)
        guard case .line(let first)? = parser.next() else {
            Issue.record("expected the first line")
            return
        }
        #expect(first.textString == "mail.example.org")
        #expect(!first.isLast)
        #expect(parser.next() == nil)
        #expect(parser.isInsideReply)
        parser.append("\r".bytes)
        #expect(parser.next() == nil)
        parser.append("\n".bytes)
        guard case .line(let last)? = parser.next(), case .reply(let reply)? = parser.next() else {
            Issue.record("expected the last line then the reply")
            return
        }
        #expect(last.isLast)
        #expect(reply.lines.count == 2)
        #expect(reply.violations.isEmpty)
        #expect(parser.next() == nil)
        #expect(!parser.isInsideReply)
    }

    @Test func keepsTheRawBytesAndLineEndings() throws {
        let wire = "250-a\r\n250 b\n"
        let reply = try #require(ReplyParser.parseAll(wire.bytes).first)
        #expect(reply.raw == wire.bytes)
        #expect(reply.lines[0].lineEnding == .crlf)
        #expect(reply.lines[1].lineEnding == .lf)
        #expect(reply.violations == [.bareLineFeed(line: 1)])
    }

    @Test func aContinuationThatChangesCodeIsAViolationButStillAReply() throws {
        let reply = try #require(ReplyParser.parseAll("250-first\r\n550 second\r\n".bytes).first)
        #expect(reply.code == .ok)
        #expect(reply.textLines == ["first", "second"])
        #expect(reply.violations == [.codeChanged(from: .ok, to: .mailboxUnavailable, line: 1)])
    }

    @Test func aLineWithoutCodeInsideAReplyIsKept() throws {
        let events = ReplyParser.events(["250-first\r\ngarbage here\r\n250 last\r\n".bytes[...]])
        #expect(events.count == 4)
        guard case .reply(let reply) = events.last else {
            Issue.record("no reply")
            return
        }
        #expect(reply.lines.count == 3)
        #expect(reply.lines[1].code == nil)
        #expect(reply.lines[1].textString == "garbage here")
        #expect(reply.violations == [.lineWithoutCode(line: 1)])
    }

    @Test(arguments: ["hello there", "25 short", "2500 four digits", "250x glued", "199 low", "600 high", "\u{1B}[2J"])
    func aLineWithoutCodeOutsideAReplyIsReportedAsUnparsable(line: String) {
        let events = ReplyParser.events([(line + "\r\n250 ok\r\n").bytes[...]])
        #expect(events.count == 3)
        #expect(events.first == .unparsableLine(ReplyLine(bytes: line.bytes)))
        if case .reply(let reply) = events.last { #expect(reply.code == .ok) } else { Issue.record("no reply") }
    }

    @Test func invalidUTF8IsKeptAsBytes() throws {
        let wire: [UInt8] = Array("250 caf".utf8) + [0xC3, 0x28, 0xFF, 0x00] + [13, 10]
        let reply = try #require(ReplyParser.parseAll(wire).first)
        #expect(Array(reply.lines[0].text) == Array("caf".utf8) + [0xC3, 0x28, 0xFF, 0x00])
        #expect(reply.raw == wire)
    }

    @Test func aCRInsideALineIsKept() throws {
        let reply = try #require(ReplyParser.parseAll("250 a\rb\r\n".bytes).first)
        #expect(Array(reply.lines[0].text) == "a\rb".bytes)
    }

    @Test(arguments: Chunking.allCases)
    func anOverlongLineIsCutAndReported(chunking: Chunking) throws {
        let limits = ReplyParser.Limits(maximumLineLength: 64)
        let long = "250 " + String(repeating: "x", count: 300)
        let wire = (long + "\r\n250 next\r\n").bytes
        let replies = ReplyParser.replies(chunking.chunks(wire), limits: limits)
        #expect(replies.count == 2)
        let first = try #require(replies.first)
        #expect(first.lines[0].bytes.count == 64)
        #expect(first.lines[0].originalLength == long.utf8.count)
        #expect(first.lines[0].lineEnding == .crlf)
        #expect(first.violations == [.lineTooLong(line: 0, length: long.utf8.count)])
        #expect(replies[1].textLines == ["next"])
    }

    @Test func aLineThatNeverEndsKeepsMemoryBounded() {
        let limits = ReplyParser.Limits(maximumLineLength: 1024)
        var parser = ReplyParser(limits: limits)
        parser.append("250 ".bytes)
        let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 65536)
        var maximumBuffered = 0
        for _ in 0..<160 {  // 10 MiB without a line end
            parser.append(chunk)
            #expect(parser.next() == nil)
            maximumBuffered = max(maximumBuffered, parser.bufferedByteCount)
        }
        #expect(maximumBuffered <= 1024 + chunk.count)
        #expect(parser.overlongLineLength == 4 + 160 * 65536)
        parser.append("\r\n".bytes)
        guard case .line(let line)? = parser.next() else {
            Issue.record("expected the cut line")
            return
        }
        #expect(line.originalLength == 4 + 160 * 65536)
        #expect(line.bytes.count == 1024)
        #expect(line.lineEnding == .crlf)
    }

    @Test func aCRLFSplitAcrossAnOverlongLineBoundaryIsSeen() throws {
        let limits = ReplyParser.Limits(maximumLineLength: 8)
        var parser = ReplyParser(limits: limits)
        parser.append("250 0123456789\r".bytes)
        #expect(parser.next() == nil)
        parser.append("\n".bytes)
        guard case .line(let line)? = parser.next() else {
            Issue.record("expected a line")
            return
        }
        #expect(line.lineEnding == .crlf)
        #expect(line.originalLength == 14)
    }

    @Test func aMillionLineReplyIsReportedLineByLineAndKeptBounded() {
        var parser = ReplyParser(limits: .init(maximumLinesPerReply: 100))
        let block = [UInt8](String(repeating: "250-continuation\r\n", count: 10_000).utf8)
        var lines = 0
        for _ in 0..<100 {
            parser.append(block)
            while let event = parser.next() {
                if case .line = event { lines += 1 } else { Issue.record("unexpected \(event)") }
            }
            #expect(parser.bufferedByteCount == 0)
        }
        parser.append("250 end\r\n".bytes)
        #expect(parser.next() != nil)
        guard case .reply(let reply)? = parser.next() else {
            Issue.record("expected the reply")
            return
        }
        #expect(lines == 1_000_000)
        #expect(reply.lines.count == 100)
        #expect(reply.omittedLineCount == 999_901)
        #expect(reply.lineCount == 1_000_001)
        #expect(reply.violations.last == .tooManyLines(count: 1_000_001))
    }

    @Test func violationsPerReplyAreCapped() throws {
        var wire = ""
        for _ in 0..<100 { wire += "251-changed\r\n" }
        wire = "250-first\r\n" + wire + "250 last\r\n"
        let reply = try #require(ReplyParser.parseAll(wire.bytes).first)
        #expect(reply.violations.count == ReplyParser.Limits.default.maximumViolationsPerReply)
        #expect(reply.lineCount == 102)
    }

    @Test func nextReplySkipsLinesAndUnparsableLines() {
        var parser = ReplyParser()
        parser.append("noise\r\n250-a\r\n250 b\r\n221 bye\r\n".bytes)
        #expect(parser.nextReply()?.textLines == ["a", "b"])
        #expect(parser.nextReply()?.code == .serviceClosing)
        #expect(parser.nextReply() == nil)
    }
}
