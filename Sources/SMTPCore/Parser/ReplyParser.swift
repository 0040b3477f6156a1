/// An incremental parser for server replies (RFC 5321, section 4.2).
///
/// Feed it bytes as they arrive, in any chunking — one byte at a time, all at once, split in
/// the middle of a CRLF — and take events out with ``next()``:
///
/// ```
/// S: 250-mail.example.org
/// S: 250 PIPELINING
/// ```
/// gives `.line(250-mail…)`, `.line(250 PIPELINING)`, `.reply(Reply(250, 2 lines))`.
///
/// Every line is reported as soon as it is complete, so a client can show a long reply as it
/// arrives. Memory stays bounded whatever the server sends: a line longer than
/// ``Limits/maximumLineLength`` is cut (the rest is counted and dropped until its line
/// ending), and a reply keeps at most ``Limits/maximumLinesPerReply`` lines (the others are
/// still reported as `.line` events, then counted). Bare LF line endings are tolerated.
/// Invalid UTF-8 is kept as bytes. Nothing here throws: grammar problems are reported as
/// ``ProtocolViolation``s on the reply, or as ``Event/unparsableLine(_:)``.
public struct ReplyParser: Sendable {
    public struct Limits: Hashable, Sendable {
        /// Bytes of one line that are kept (RFC 5321 allows 512; servers send more).
        public var maximumLineLength: Int
        /// Lines of one reply that are kept in the ``Reply`` value.
        public var maximumLinesPerReply: Int
        /// Violations recorded per reply (the rest are not listed).
        public var maximumViolationsPerReply: Int

        public init(maximumLineLength: Int = 8192, maximumLinesPerReply: Int = 1000, maximumViolationsPerReply: Int = 16) {
            self.maximumLineLength = max(maximumLineLength, 8)
            self.maximumLinesPerReply = max(maximumLinesPerReply, 1)
            self.maximumViolationsPerReply = max(maximumViolationsPerReply, 1)
        }

        public static let `default` = Limits()
    }

    public enum Event: Hashable, Sendable {
        /// A complete line, reported as soon as its line ending arrived.
        case line(ReplyLine)
        /// A complete reply, after its last line's `.line` event.
        case reply(Reply)
        /// A line that does not start with a reply code, received outside any reply.
        case unparsableLine(ReplyLine)
    }

    public let limits: Limits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Set while the current line is longer than the limit: what was kept, its length so far.
    private var overlong: (kept: [UInt8], length: Int, endsWithCR: Bool)?
    private var current: PartialReply?
    private var queued: Event?

    private struct PartialReply: Sendable {
        var lines: [ReplyLine] = []
        var lineCount = 0
        var violations: [ProtocolViolation] = []
        var firstCode: ReplyCode
        var sawBareLF = false
    }

    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Appends received bytes. Call ``next()`` until it returns `nil` afterwards.
    public mutating func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        compactIfUseful()
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet part of a complete line (bounded by the line limit).
    public var bufferedByteCount: Int { (overlong?.kept.count ?? 0) + buffer.count - readIndex }

    /// The length so far of an unfinished line that is over the limit, or `nil`.
    public var overlongLineLength: Int? { overlong?.length }

    /// At the end of the stream: the line still being received when it ended (no line end
    /// came), or `nil`. Truncated to the line limit as any line is (`originalLength` says
    /// how long it was). The parser is empty afterwards.
    public mutating func finishStream() -> ReplyLine? {
        let rest = Array(buffer[readIndex...])
        var bytes = rest
        var original: Int?
        if let long = overlong {
            bytes = long.kept
            original = long.length + rest.count
        } else if bytes.count > limits.maximumLineLength {
            original = bytes.count
            bytes = Array(bytes.prefix(limits.maximumLineLength))
        }
        buffer.removeAll()
        readIndex = 0
        overlong = nil
        guard !bytes.isEmpty || original != nil else { return nil }
        if bytes.last == 13 { bytes.removeLast() }
        return ReplyLine(bytes: bytes, lineEnding: .crlf, originalLength: original)
    }

    /// `true` while a multi-line reply has started but its last line has not arrived.
    public var isInsideReply: Bool { current != nil }

    /// The next event, or `nil` when more bytes are needed.
    public mutating func next() -> Event? {
        if let event = queued {
            queued = nil
            return event
        }
        guard let line = nextLine() else { return nil }
        return process(line)
    }

    /// The next complete reply, skipping line events; unparsable lines outside a reply are
    /// skipped too (use ``next()`` to see them).
    public mutating func nextReply() -> Reply? {
        while let event = next() {
            if case .reply(let reply) = event { return reply }
        }
        return nil
    }

    /// Parses a whole byte string into its replies. For tests and tools.
    public static func parseAll<Bytes: Sequence<UInt8>>(_ bytes: Bytes, limits: Limits = .default) -> [Reply] {
        var parser = ReplyParser(limits: limits)
        parser.append(bytes)
        var replies: [Reply] = []
        while let reply = parser.nextReply() { replies.append(reply) }
        return replies
    }

    // MARK: - Lines

    private mutating func nextLine() -> ReplyLine? {
        let lf = buffer.withUnsafeBufferPointer { pointer -> Int? in
            var index = readIndex
            let end = pointer.count
            while index < end {
                if pointer[index] == 10 { return index }
                index += 1
            }
            return nil
        }
        if var long = overlong {
            guard let lf else {
                let pending = buffer.count - readIndex
                long.length += pending
                if pending > 0 { long.endsWithCR = buffer[buffer.count - 1] == 13 }
                overlong = long
                buffer.removeAll(keepingCapacity: true)
                readIndex = 0
                return nil
            }
            let segment = lf - readIndex
            long.length += segment
            let crlf = segment > 0 ? buffer[lf - 1] == 13 : long.endsWithCR
            readIndex = lf + 1
            overlong = nil
            return ReplyLine(
                bytes: long.kept,
                lineEnding: crlf ? .crlf : .lf,
                originalLength: long.length - (crlf ? 1 : 0)
            )
        }
        guard let lf else {
            let pending = buffer.count - readIndex
            if pending > limits.maximumLineLength {
                let kept = Array(buffer[readIndex..<(readIndex + limits.maximumLineLength)])
                overlong = (kept, pending, buffer[buffer.count - 1] == 13)
                buffer.removeAll(keepingCapacity: true)
                readIndex = 0
            }
            return nil
        }
        var end = lf
        let crlf = end > readIndex && buffer[end - 1] == 13
        if crlf { end -= 1 }
        let length = end - readIndex
        let line: ReplyLine
        if length > limits.maximumLineLength {
            line = ReplyLine(
                bytes: Array(buffer[readIndex..<(readIndex + limits.maximumLineLength)]),
                lineEnding: crlf ? .crlf : .lf,
                originalLength: length
            )
        } else {
            line = ReplyLine(bytes: Array(buffer[readIndex..<end]), lineEnding: crlf ? .crlf : .lf)
        }
        readIndex = lf + 1
        return line
    }

    private mutating func compactIfUseful() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 65536 && readIndex * 2 > buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    // MARK: - Replies

    private mutating func process(_ incoming: ReplyLine) -> Event {
        var line = incoming
        guard var reply = current else {
            guard let code = line.code else { return .unparsableLine(line) }
            var partial = PartialReply(firstCode: code)
            record(line, in: &partial)
            if line.isLast {
                queued = .reply(finish(partial))
            } else {
                current = partial
            }
            return .line(line)
        }
        if let code = line.code {
            if code != reply.firstCode {
                addViolation(.codeChanged(from: reply.firstCode, to: code, line: reply.lineCount), to: &reply)
            }
        } else {
            addViolation(.lineWithoutCode(line: reply.lineCount), to: &reply)
            line.isLast = false
        }
        record(line, in: &reply)
        if line.isLast {
            current = nil
            queued = .reply(finish(reply))
        } else {
            current = reply
        }
        return .line(line)
    }

    private func record(_ line: ReplyLine, in reply: inout PartialReply) {
        let index = reply.lineCount
        if let length = line.originalLength {
            addViolation(.lineTooLong(line: index, length: length), to: &reply)
        }
        if line.lineEnding == .lf && !reply.sawBareLF {
            reply.sawBareLF = true
            addViolation(.bareLineFeed(line: index), to: &reply)
        }
        if reply.lines.count < limits.maximumLinesPerReply {
            reply.lines.append(line)
        }
        reply.lineCount += 1
    }

    private func addViolation(_ violation: ProtocolViolation, to reply: inout PartialReply) {
        if reply.violations.count < limits.maximumViolationsPerReply {
            reply.violations.append(violation)
        }
    }

    private func finish(_ partial: PartialReply) -> Reply {
        var violations = partial.violations
        let omitted = partial.lineCount - partial.lines.count
        if omitted > 0 { violations.append(.tooManyLines(count: partial.lineCount)) }
        return Reply(lines: partial.lines, omittedLineCount: omitted, violations: violations)
    }
}
