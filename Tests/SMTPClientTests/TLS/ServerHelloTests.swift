import Testing

@testable import SMTPClient

/// The cipher suite read from the server's ServerHello, in any chunking.
@Suite struct ServerHelloTests {
    /// A ServerHello record: `suite`, a session id of `sessionID` bytes, two extension bytes.
    static func serverHello(suite: UInt16, sessionID: Int = 32) -> [UInt8] {
        var body: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0xAB, count: 32)
        body += [UInt8(sessionID)] + [UInt8](repeating: 0x11, count: sessionID)
        body += [UInt8(suite >> 8), UInt8(suite & 0xFF), 0x00, 0x00, 0x00]
        let handshake: [UInt8] = [0x02, 0x00, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        return [0x16, 0x03, 0x03, UInt8(handshake.count >> 8), UInt8(handshake.count & 0xFF)] + handshake
    }

    @Test(arguments: [1, 2, 3, 7, 41, 1000])
    func theSuiteIsFoundInAnyChunking(chunk: Int) {
        // The ServerHello, then what follows it (encrypted, in TLS 1.3): read no further.
        let bytes = Self.serverHello(suite: 0x1301) + [0x17, 0x03, 0x03, 0x00, 0x02, 0xFF, 0xFF]
        var reader = ServerHelloReader()
        var start = 0
        while start < bytes.count {
            reader.append(bytes[start..<min(start + chunk, bytes.count)])
            start += chunk
        }
        #expect(reader.state == .found(0x1301))
        #expect(ServerHelloReader.name(0x1301) == "TLS_AES_128_GCM_SHA256")
    }

    @Test func aServerHelloSplitOverTwoRecords() {
        let record = Self.serverHello(suite: 0xC02F, sessionID: 0)
        let handshake = Array(record.dropFirst(5))
        let first = Array(handshake.prefix(20))
        let second = Array(handshake.dropFirst(20))
        var reader = ServerHelloReader()
        reader.append([0x16, 0x03, 0x03, 0x00, UInt8(first.count)] + first)
        #expect(reader.state == .reading)
        reader.append([0x16, 0x03, 0x03, 0x00, UInt8(second.count)] + second)
        #expect(reader.state == .found(0xC02F))
        #expect(ServerHelloReader.name(0xC02F) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    }

    @Test(arguments: [
        [UInt8](arrayLiteral: 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28),  // an alert: handshake failure
        Array("220 mail.example.org ESMTP\r\n".utf8),  // plain text on a TLS port
        [0x16, 0x03, 0x03, 0x00, 0x04, 0x0B, 0x00, 0x00, 0x00],  // a Certificate first
    ])
    func anythingElseIsNotAServerHello(bytes: [UInt8]) {
        var reader = ServerHelloReader()
        reader.append(bytes)
        #expect(reader.state == .failed)
    }

    @Test func aHandshakeThatNeverEndsIsGivenUp() {
        var reader = ServerHelloReader()
        // A record that claims 65,535 octets: more than is ever looked at.
        reader.append([0x16, 0x03, 0x03, 0xFF, 0xFF])
        for _ in 0..<20 { reader.append([UInt8](repeating: 0, count: 1024)) }
        #expect(reader.state == .failed)
    }

    @Test func anUnknownSuiteIsShownByNumber() {
        #expect(ServerHelloReader.name(0x00FF) == "0x00FF")
        #expect(ServerHelloReader.name(0xC0AD) == "0xC0AD")
    }
}
