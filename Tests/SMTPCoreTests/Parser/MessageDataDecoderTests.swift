import Testing
@testable import SMTPCore

@Suite struct MessageDataDecoderTests {
    private func decode(_ chunks: [ArraySlice<UInt8>]) -> (body: [UInt8], consumed: Int?, decoder: MessageDataDecoder) {
        var decoder = MessageDataDecoder()
        var body: [UInt8] = []
        var total = 0
        for chunk in chunks {
            if let used = decoder.decode(chunk, into: &body) {
                return (body, total + used, decoder)
            }
            total += chunk.count
        }
        return (body, nil, decoder)
    }

    @Test(arguments: Chunking.allCases)
    func unstuffsAndFindsTheEnd(chunking: Chunking) {
        let wire = Array("Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n".utf8)
        let result = decode(chunking.chunks(wire))
        #expect(result.body == Array("Subject: x\r\n\r\n.dot\r\n".utf8))
        #expect(result.consumed == wire.count - 6)
        #expect(result.decoder.isComplete)
    }

    @Test func anEmptyMessage() {
        let result = decode([Array(".\r\n".utf8)[...]])
        #expect(result.body.isEmpty)
        #expect(result.consumed == 3)
    }

    @Test func aDotBeforeABareLFIsNotTheEnd() {
        let result = decode([Array("a\n.\nb\r\n.\r\n".utf8)[...]])
        #expect(result.body == Array("a\n.\nb\r\n".utf8))
        #expect(result.decoder.bareLineFeedCount == 2)
        #expect(result.consumed == 10)
    }

    @Test func countsBareCR() {
        let result = decode([Array("a\rb\r\r\n.\r\n".utf8)[...]])
        #expect(result.body == Array("a\rb\r\r\n".utf8))
        #expect(result.decoder.bareCarriageReturnCount == 2)
    }

    @Test func incompleteWithoutTheFinalDot() {
        let result = decode([Array("line\r\n.".utf8)[...], Array("\r".utf8)[...]])
        #expect(result.consumed == nil)
        #expect(!result.decoder.isComplete)
    }

    @Test func tracksTheLongestLine() {
        let result = decode([Array("12345\r\n123\r\n.\r\n".utf8)[...]])
        #expect(result.decoder.longestLine == 5)
        #expect(result.decoder.byteCount == 12)
    }
}
