/// Turns the bytes read from the terminal into Unicode scalars, one at a time, for
/// libedit's character reader (which replaces libedit's own decoding). Bytes may arrive
/// in any pieces: a scalar is returned once all its bytes are there. A byte that cannot
/// start or continue a well-formed sequence becomes U+FFFD and decoding goes on with the
/// next byte.
struct UTF8ScalarDecoder {
    private var pending: [UInt8] = []
    private var start = 0

    /// Whether bytes are waiting (a complete scalar, or the beginning of one).
    var hasPendingBytes: Bool { start < pending.count }

    mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start > 0 && start == pending.count {
            pending.removeAll(keepingCapacity: true)
            start = 0
        }
        pending.append(contentsOf: bytes)
    }

    /// The next complete scalar, or nil when the bytes so far end in the middle of one.
    mutating func next() -> Unicode.Scalar? {
        guard start < pending.count else { return nil }
        let lead = pending[start]
        let length: Int
        var secondByteRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x00...0x7F:
            start += 1
            return Unicode.Scalar(lead)
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondByteRange = 0xA0...0xBF  // no overlong forms
        case 0xED:
            length = 3
            secondByteRange = 0x80...0x9F  // no surrogates
        case 0xE1...0xEF: length = 3
        case 0xF0:
            length = 4
            secondByteRange = 0x90...0xBF
        case 0xF4:
            length = 4
            secondByteRange = 0x80...0x8F  // nothing above U+10FFFF
        case 0xF1...0xF3: length = 4
        default:
            return replacement()
        }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let index = start + offset
            guard index < pending.count else { return nil }  // wait for more bytes
            let byte = pending[index]
            let allowed = offset == 1 ? secondByteRange : 0x80...0xBF
            guard allowed.contains(byte) else { return replacement() }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        start += length
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    /// Forgets any pending bytes (what a secret held, for instance).
    mutating func reset() {
        for index in pending.indices { pending[index] = 0 }
        pending.removeAll()
        start = 0
    }

    private mutating func replacement() -> Unicode.Scalar {
        start += 1
        return "\u{FFFD}"
    }
}
