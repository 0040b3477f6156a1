import Testing
@testable import SMTPCore

@Suite struct MessageDataEncoderTests {
    @Test(arguments: [
        ("", ".\r\n"),
        (".", "..\r\n.\r\n"),
        (".\r\n", "..\r\n.\r\n"),
        ("..x\r\n", "...x\r\n.\r\n"),
        ("a\r\n.b\r\n", "a\r\n..b\r\n.\r\n"),
        ("no final newline", "no final newline\r\n.\r\n"),
        ("CR\ralone", "CR\r\nalone\r\n.\r\n"),
        ("LF\nalone\n", "LF\r\nalone\r\n.\r\n"),
        ("\n.\n", "\r\n..\r\n.\r\n"),
        ("ends with CR\r", "ends with CR\r\n.\r\n"),
        ("double\r\r\n", "double\r\n\r\n.\r\n"),
        ("mid.dot\r\n", "mid.dot\r\n.\r\n"),
        ("\r\n", "\r\n.\r\n"),
        ("Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n.\r\n"),
    ])
    func normalizesAndStuffs(message: String, wire: String) {
        #expect(MessageDataEncoder.encode(Array(message.utf8)) == Array(wire.utf8))
    }

    @Test(arguments: [
        ("a\nb", "a\nb\r\n.\r\n"),
        ("a\n.b\r\n", "a\n.b\r\n.\r\n"),
        ("a\r\n.b", "a\r\n..b\r\n.\r\n"),
        (".", "..\r\n.\r\n"),
        ("x\r", "x\r\n.\r\n"),
        ("", ".\r\n"),
        ("x\r\n", "x\r\n.\r\n"),
    ])
    func rawModeKeepsBareLineEnds(message: String, wire: String) {
        #expect(MessageDataEncoder.encode(Array(message.utf8), mode: .raw) == Array(wire.utf8))
    }

    @Test(arguments: [MessageDataEncoder.LineEndingMode.normalize, .raw])
    func chunkingDoesNotChangeTheOutput(mode: MessageDataEncoder.LineEndingMode) {
        let message = Array("From: a\r\n.\r\n..two\n.\rthree\r\n\r\n.".utf8)
        let expected = MessageDataEncoder.encode(message, mode: mode)
        for split in Chunking.everySplit(message) + [Chunking.byteByByte.chunks(message)] {
            var encoder = MessageDataEncoder(mode: mode)
            var output: [UInt8] = []
            for chunk in split { encoder.encode(chunk, into: &output) }
            encoder.finish(into: &output)
            #expect(output == expected)
            #expect(encoder.bytesWritten == UInt64(expected.count))
        }
    }

    @Test func encodedDataDecodesBackToTheNormalizedMessage() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: "a"), 13, 10, UInt8(ascii: " ")]
        for _ in 0..<500 {
            let length = Int.random(in: 0..<40, using: &generator)
            let message = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            let wire = MessageDataEncoder.encode(message)
            var decoder = MessageDataDecoder()
            var body: [UInt8] = []
            let consumed = decoder.decode(wire, into: &body)
            #expect(consumed == wire.count, "\(message)")
            #expect(decoder.bareLineFeedCount == 0)
            #expect(decoder.bareCarriageReturnCount == 0)
            // The body is the message with every line end made CRLF and a final CRLF.
            var normalized = MessageDataEncoder.encode(message)
            normalized.removeLast(3)
            var unstuffed: [UInt8] = []
            var atLineStart = true
            var index = 0
            while index < normalized.count {
                if atLineStart && normalized[index] == UInt8(ascii: ".") { index += 1 }
                let byte = normalized[index]
                unstuffed.append(byte)
                atLineStart = byte == 10
                index += 1
            }
            #expect(body == unstuffed, "\(message)")
        }
    }
}
