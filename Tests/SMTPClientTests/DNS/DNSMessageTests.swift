import Testing
@testable import SMTPClient

@Suite struct DNSMessageTests {
    @Test func encodesAnMXQuery() throws {
        let bytes = try DNSQuery(id: 0x1234, name: "example.org", type: .mx).encoded()
        #expect(bytes == [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7] + Array("example".utf8) + [3] + Array("org".utf8) + [0, 0, 15, 0, 1])
    }

    @Test func rejectsInvalidNames() {
        #expect(throws: DNSError.self) { try DNSQuery(id: 1, name: "a..b", type: .mx).encoded() }
        #expect(throws: DNSError.self) { try DNSQuery(id: 1, name: String(repeating: "x", count: 64) + ".org", type: .mx).encoded() }
    }

    @Test func roundTripsAnswersWithCompression() throws {
        let query = DNSQuery(id: 7, name: "example.test", type: .mx)
        let wire = try DNSResponse.encode(id: 7, question: query, answers: [
            .mx(preference: 20, exchange: "mx2.example.test"), .mx(preference: 10, exchange: "mx1.example.test"),
        ])
        let response = try DNSResponse(parsing: wire)
        #expect(response.id == 7)
        #expect(response.responseCode == 0)
        #expect(response.answers == [.mx(preference: 20, exchange: "mx2.example.test"), .mx(preference: 10, exchange: "mx1.example.test")])
        let a = try DNSResponse(parsing: DNSResponse.encode(id: 8, question: DNSQuery(id: 8, name: "mx1.example.test", type: .a), answers: [.a([127, 0, 0, 1])]))
        #expect(a.answers == [.a([127, 0, 0, 1])])
    }

    @Test func nxdomain() throws {
        let wire = try DNSResponse.encode(id: 9, question: DNSQuery(id: 9, name: "nope.test", type: .mx), responseCode: 3, answers: [])
        #expect(try DNSResponse(parsing: wire).responseCode == 3)
    }

    @Test func garbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 0..<80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? DNSResponse(parsing: bytes)
        }
        // A compression pointer to itself, and one past the end.
        var loop: [UInt8] = [0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0]
        loop += [0xC0, 12, 0, 15, 0, 1, 0, 0, 0, 0, 0, 4, 0, 10, 0xC0, 12]
        #expect(throws: DNSError.self) { try DNSResponse(parsing: loop) }
        let past: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF]
        #expect(throws: DNSError.self) { try DNSResponse(parsing: past) }
    }
}
