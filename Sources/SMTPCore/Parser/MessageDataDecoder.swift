/// Reads a message after `354` as a server does (RFC 5321, section 4.5.2), streaming:
/// removes dot-stuffing, finds the end-of-data line (`CRLF . CRLF`), and counts bare CR and
/// bare LF line ends (which some servers reject, RFC 5321, section 2.3.8).
///
/// ```
/// C: ..hello     → body line ".hello"
/// C: .           → end of data
/// ```
///
/// Only a lone dot between CRLFs ends the data. A `.` followed by a bare LF does not: it is
/// content, and counted as a bare LF (the "SMTP smuggling" confusion comes from servers that
/// disagree on this). Line ends are passed through as received.
public struct MessageDataDecoder: Sendable {
    private enum State: Sendable {
        case lineStart
        case dot
        case dotCR
        case inLine
        case cr
    }

    private var state: State = .lineStart
    private var currentLineLength = 0
    public private(set) var bareLineFeedCount = 0
    public private(set) var bareCarriageReturnCount = 0
    /// The longest line seen, in octets, without its line end.
    public private(set) var longestLine = 0
    /// Body bytes produced so far (after un-stuffing).
    public private(set) var byteCount: UInt64 = 0
    public private(set) var isComplete = false

    public init() {}

    /// Decodes bytes received after 354, appending the message's bytes to `output`.
    ///
    /// - Returns: `nil` while the end of data has not been seen (all bytes were consumed);
    ///   otherwise the number of bytes consumed up to and including the final LF. Bytes after
    ///   that belong to the next command (a pipelining client may send it right away).
    public mutating func decode(_ bytes: ArraySlice<UInt8>, into output: inout [UInt8]) -> Int? {
        decodeAny(bytes, into: &output)
    }

    public mutating func decode(_ bytes: [UInt8], into output: inout [UInt8]) -> Int? {
        decodeAny(bytes[...], into: &output)
    }

    /// The body, specialised inside this module for the concrete overloads above (a generic
    /// public entry point would run unspecialised from other modules, byte by byte).
    private mutating func decodeAny<Bytes: Collection<UInt8>>(_ bytes: Bytes, into output: inout [UInt8]) -> Int? {
        precondition(!isComplete, "decode called after the end of data")
        let before = output.count
        defer { byteCount += UInt64(output.count - before) }
        var consumed = 0
        for byte in bytes {
            consumed += 1
            switch state {
            case .lineStart:
                if byte == UInt8(ascii: ".") {
                    state = .dot
                } else {
                    inLine(byte, &output)
                }
            case .dot:
                switch byte {
                case 13:
                    state = .dotCR
                case 10:
                    // "." then a bare LF: content, not the end.
                    output.append(contentsOf: [UInt8(ascii: "."), 10])
                    bareLineFeedCount += 1
                    endLine(length: 1)
                default:
                    currentLineLength = 1
                    inLine(byte, &output)
                }
            case .dotCR:
                if byte == 10 {
                    isComplete = true
                    state = .lineStart
                    return consumed
                }
                // A stuffed dot followed by a bare CR.
                output.append(13)
                bareCarriageReturnCount += 1
                currentLineLength = 2
                state = .inLine
                inLine(byte, &output)
            case .inLine:
                inLine(byte, &output)
            case .cr:
                if byte == 10 {
                    output.append(contentsOf: [13, 10])
                    endLine(length: currentLineLength)
                } else {
                    output.append(13)
                    bareCarriageReturnCount += 1
                    currentLineLength += 1
                    if byte == 13 {
                        state = .cr
                    } else {
                        state = .inLine
                        inLine(byte, &output)
                    }
                }
            }
        }
        return nil
    }

    private mutating func inLine(_ byte: UInt8, _ output: inout [UInt8]) {
        switch byte {
        case 13:
            state = .cr
        case 10:
            output.append(10)
            bareLineFeedCount += 1
            endLine(length: currentLineLength)
        default:
            output.append(byte)
            currentLineLength += 1
            state = .inLine
        }
    }

    private mutating func endLine(length: Int) {
        longestLine = max(longestLine, length)
        currentLineLength = 0
        state = .lineStart
    }
}
