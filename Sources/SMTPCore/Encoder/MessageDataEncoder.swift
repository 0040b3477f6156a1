/// Encodes a message for DATA (RFC 5321, section 4.5.2 and 4.1.1.4), streaming: it never
/// holds more than the chunk it is given.
///
/// ```
/// C: DATA
/// S: 354 End data with <CR><LF>.<CR><LF>
/// C: Subject: test
/// C:
/// C: ..a line that started with a dot      ← dot-stuffed
/// C: .                                     ← the end of the data
/// ```
///
/// - Dot-stuffing: a line that starts with `.` gets a second `.`.
/// - Line ends: in ``LineEndingMode/normalize`` (the default) a bare LF, a bare CR and CRLF
///   all become CRLF. In ``LineEndingMode/raw`` the bytes are kept as they are (so a user can
///   test how a server handles bare LF), and only lines after a CRLF are dot-stuffed.
/// - ``finish(into:)`` adds a CRLF when the message does not end with one, then `.` CRLF.
public struct MessageDataEncoder: Sendable {
    public enum LineEndingMode: Hashable, Sendable {
        case normalize
        case raw
    }

    public let mode: LineEndingMode
    private var atLineStart = true
    private var pendingCR = false
    /// Raw mode: the last byte written was CR.
    private var lastWasCR = false
    public private(set) var bytesWritten: UInt64 = 0

    public init(mode: LineEndingMode = .normalize) {
        self.mode = mode
    }

    /// Encodes the next chunk of the message, appending the wire bytes to `output`.
    public mutating func encode<Bytes: Sequence<UInt8>>(_ chunk: Bytes, into output: inout [UInt8]) {
        let before = output.count
        switch mode {
        case .normalize:
            for byte in chunk {
                switch byte {
                case 13:
                    if pendingCR { output.append(contentsOf: [13, 10]) }
                    pendingCR = true
                    atLineStart = true
                case 10:
                    output.append(contentsOf: [13, 10])
                    pendingCR = false
                    atLineStart = true
                default:
                    if pendingCR {
                        output.append(contentsOf: [13, 10])
                        pendingCR = false
                    }
                    if atLineStart && byte == UInt8(ascii: ".") { output.append(byte) }
                    output.append(byte)
                    atLineStart = false
                }
            }
        case .raw:
            for byte in chunk {
                if atLineStart && byte == UInt8(ascii: ".") { output.append(byte) }
                output.append(byte)
                atLineStart = lastWasCR && byte == 10
                lastWasCR = byte == 13
            }
        }
        bytesWritten += UInt64(output.count - before)
    }

    /// Ends the message: the line end it lacks, if any, then `.` CRLF.
    public mutating func finish(into output: inout [UInt8]) {
        let before = output.count
        switch mode {
        case .normalize:
            if pendingCR || !atLineStart { output.append(contentsOf: [13, 10]) }
        case .raw:
            if !atLineStart {
                if lastWasCR { output.append(10) } else { output.append(contentsOf: [13, 10]) }
            }
        }
        output.append(contentsOf: [UInt8(ascii: "."), 13, 10])
        pendingCR = false
        atLineStart = true
        lastWasCR = false
        bytesWritten += UInt64(output.count - before)
    }

    /// Encodes a whole message at once (for tests and small messages).
    public static func encode<Bytes: Sequence<UInt8>>(_ message: Bytes, mode: LineEndingMode = .normalize) -> [UInt8] {
        var encoder = MessageDataEncoder(mode: mode)
        var output: [UInt8] = []
        encoder.encode(message, into: &output)
        encoder.finish(into: &output)
        return output
    }
}
