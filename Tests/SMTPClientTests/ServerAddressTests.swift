import Testing
@testable import SMTPClient

@Suite struct ServerAddressTests {
    @Test(arguments: [
        ("mail.example.org", nil, "mail.example.org", 25),
        ("mail.example.org:587", nil, "mail.example.org", 587),
        ("mail.example.org", "2525", "mail.example.org", 2525),
        ("127.0.0.1:2525", nil, "127.0.0.1", 2525),
        ("[::1]:2525", nil, "::1", 2525),
        ("[::1]", nil, "::1", 25),
        ("[::1]", "465", "::1", 465),
        ("::1", nil, "::1", 25),
        ("fe80::1", "26", "fe80::1", 26),
    ] as [(String, String?, String, Int)])
    func parses(text: String, port: String?, host: String, expectedPort: Int) throws {
        let address = try ServerAddress(parsing: text, port: port, defaultPort: 25)
        #expect(address.host == host)
        #expect(address.port == expectedPort)
    }

    @Test(arguments: [
        ("", nil), ("host:0", nil), ("host:65536", nil), ("host:smtp", nil), ("[::1", nil), ("[::1]x", nil),
        ("host:25", "26"), ("a b", nil), (":25", nil),
    ] as [(String, String?)])
    func rejects(text: String, port: String?) {
        #expect(throws: AddressError.self) { try ServerAddress(parsing: text, port: port, defaultPort: 25) }
    }

    @Test func describesWithBracketsForIPv6() {
        #expect(ServerAddress(host: "::1", port: 25).description == "[::1]:25")
        #expect(ServerAddress(host: "localhost", port: 25).description == "localhost:25")
    }
}
