import Testing

@testable import LineEditor

@Suite struct UTF8ScalarDecoderTests {
    static let text = "aé日😀\u{10FFFF}"

    func decodeAll(_ decoder: inout UTF8ScalarDecoder) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        while let scalar = decoder.next() { scalars.append(scalar) }
        return scalars
    }

    @Test func decodesOneToFourByteSequences() {
        var decoder = UTF8ScalarDecoder()
        decoder.append(Array(Self.text.utf8))
        #expect(decodeAll(&decoder) == Array(Self.text.unicodeScalars))
        #expect(!decoder.hasPendingBytes)
    }

    @Test func bytesFedOneAtATimeGiveEachScalarWhenComplete() {
        var decoder = UTF8ScalarDecoder()
        var scalars: [Unicode.Scalar] = []
        for byte in Self.text.utf8 {
            decoder.append([byte])
            scalars += decodeAll(&decoder)
        }
        #expect(scalars == Array(Self.text.unicodeScalars))
    }

    @Test(arguments: 1..<13)
    func anySplitGivesTheSameScalars(split: Int) {
        let bytes = Array(Self.text.utf8)
        var decoder = UTF8ScalarDecoder()
        decoder.append(bytes[..<split])
        var scalars = decodeAll(&decoder)
        decoder.append(bytes[split...])
        scalars += decodeAll(&decoder)
        #expect(scalars == Array(Self.text.unicodeScalars))
    }

    @Test func anIncompleteSequenceWaits() {
        var decoder = UTF8ScalarDecoder()
        decoder.append([0xE6, 0x97])  // the first two bytes of 日
        #expect(decoder.next() == nil)
        #expect(decoder.hasPendingBytes)
        decoder.append([0xA5])
        #expect(decoder.next() == "日")
    }

    @Test(arguments: [
        [0x80] as [UInt8],  // a lone continuation byte
        [0xC0, 0xAF],  // overlong "/"
        [0xE0, 0x80, 0xAF],  // overlong
        [0xED, 0xA0, 0x80],  // a surrogate
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0xFF],
    ])
    func malformedBytesBecomeReplacementCharacters(bytes: [UInt8]) {
        var decoder = UTF8ScalarDecoder()
        decoder.append(bytes + [0x41])
        let scalars = decodeAll(&decoder)
        #expect(scalars.last == "A", "decoding goes on after the bad bytes")
        #expect(scalars.dropLast().allSatisfy { $0 == "\u{FFFD}" })
        #expect(!scalars.dropLast().isEmpty)
    }

    @Test func aSequenceCutByAnotherLeadByteIsReplaced() {
        var decoder = UTF8ScalarDecoder()
        decoder.append([0xE6, 0x41])
        #expect(decodeAll(&decoder) == ["\u{FFFD}", "A"])
    }
}
