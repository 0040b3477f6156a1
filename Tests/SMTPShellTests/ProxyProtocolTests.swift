import Foundation
import SMTPClient
import Testing

/// `--proxy-protocol v1|v2` (issue 21, item 3): the header, byte for byte, as HAProxy's
/// specification lays it out; and a real Postfix, `smtpd_upstream_proxy_protocol = haproxy`,
/// taking the client address the header claims.
@Suite struct ProxyProtocolHeaderTests {
    typealias Header = ProxyProtocolHeader

    @Test func v1IsOneLineOfText() throws {
        let header = Header(version: .v1, source: Header.Claim(parsing: "127.0.0.77:40000"))
        let (bytes, text) = try header.header(local: ("127.0.0.1", 51234), remote: ("127.0.0.1", 2525))
        #expect(String(decoding: bytes, as: UTF8.self) == "PROXY TCP4 127.0.0.77 127.0.0.1 40000 2525\r\n")
        #expect(text == "PROXY TCP4 127.0.0.77 127.0.0.1 40000 2525")
        // IPv6, the port taken from the connection when the claim has none.
        let six = Header(version: .v1, source: Header.Claim(parsing: "::7"), destination: Header.Claim(parsing: "[::1]:25"))
        #expect(try six.header(local: ("::1", 6000), remote: ("::1", 2525)).text == "PROXY TCP6 ::7 ::1 6000 25")
    }

    @Test func v2IsTheSignatureThenTheAddressesInBinary() throws {
        let header = Header(version: .v2, source: Header.Claim(parsing: "127.0.0.77:40000"))
        let (bytes, _) = try header.header(local: ("127.0.0.1", 51234), remote: ("127.0.0.1", 2525))
        let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
        #expect(Array(bytes.prefix(12)) == signature)
        // Version 2 + PROXY, TCP over IPv4, 12 bytes of addresses and ports.
        #expect(Array(bytes[12..<16]) == [0x21, 0x11, 0x00, 0x0C])
        #expect(Array(bytes[16...]) == [127, 0, 0, 77, 127, 0, 0, 1, 0x9C, 0x40, 0x09, 0xDD])
        let six = Header(version: .v2)
        let (sixBytes, _) = try six.header(local: ("::1", 1), remote: ("2001:db8::1", 25))
        #expect(Array(sixBytes[12..<16]) == [0x21, 0x21, 0x00, 0x24])
        #expect(sixBytes.count == 16 + 36)
        #expect(Array(sixBytes[16..<32]) == [UInt8](repeating: 0, count: 15) + [1])
        #expect(Array(sixBytes[48...]) == [0, 1, 0, 25])
    }

    @Test func aUnixSocketIsUnknownUnlessBothEndsAreClaimed() throws {
        #expect(try Header(version: .v1).header(local: nil, remote: nil).bytes == Array("PROXY UNKNOWN\r\n".utf8))
        let local = try Header(version: .v2).header(local: nil, remote: nil).bytes
        #expect(local.count == 16 && Array(local[12...]) == [0x20, 0x00, 0x00, 0x00])
        let one = Header(version: .v1, source: Header.Claim(parsing: "127.0.0.77"))
        #expect(throws: Header.Problem.noAddress(claimed: "127.0.0.77")) { try one.header(local: nil, remote: nil) }
        let both = Header(version: .v1, source: Header.Claim(parsing: "127.0.0.77:1"), destination: Header.Claim(parsing: "127.0.0.1:25"))
        #expect(try both.header(local: nil, remote: nil).text == "PROXY TCP4 127.0.0.77 127.0.0.1 1 25")
    }

    @Test func oneHeaderNamesOneFamily() {
        let header = Header(version: .v1, source: Header.Claim(parsing: "127.0.0.77"))
        #expect(throws: Header.Problem.mixedFamilies(source: "127.0.0.77:5", destination: "[::1]:25")) {
            try header.header(local: ("::1", 5), remote: ("::1", 25))
        }
    }

    @Test func aClaimIsAnIPAddressWithAPortOrNot() {
        for good in ["127.0.0.77", "127.0.0.77:0", "127.0.0.77:65535", "::1", "[::1]", "[::1]:25", "2001:db8::7"] {
            #expect(Header.Claim(parsing: good) != nil, "\(good)")
        }
        for bad in ["", "localhost", "mx.example.org:25", "127.0.0.777", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:x",
            "[::1", "[::1]25", "fe80::1%eth0", "1.2.3", String(repeating: "1", count: 5000)]
        {
            #expect(Header.Claim(parsing: bad) == nil, "\(bad)")
        }
    }
}

@Suite(.serialized, .enabled(if: PostfixServer.isAvailable, "Postfix is needed, and root to start it (Scripts/setup --test)"))
struct ProxyProtocolPostfixTests {
    /// A Postfix with a second smtpd that reads a PROXY header first, and its port.
    static func postfix() throws -> (PostfixServer, Int) {
        let port = try PostfixServer.freePorts(1)[0]
        let postfix = try PostfixServer(services: [
            "127.0.0.1:\(port) inet n - n - - smtpd -o smtpd_upstream_proxy_protocol=haproxy -o smtpd_upstream_proxy_timeout=10s"
        ])
        return (postfix, port)
    }

    @Test(arguments: ["v1", "v2"])
    func postfixTakesTheClaimedClient(version: String) throws {
        let (postfix, port) = try Self.postfix()
        defer { postfix.stop() }
        let script = ["EHLO client.example.org", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@postfix.test>", "DATA", "Subject: proxied", "", "Hello.", ".", "QUIT"]
        let result = try BinaryRunner.run(
            ["--color", "never", "127.0.0.1", String(port), "--proxy-protocol", version, "--proxy-source", "127.0.0.77:40000"],
            stdin: Data((script.joined(separator: "\n") + "\n").utf8), environment: ["COLUMNS": "200"], timeout: 60)
        let output = result.stdout + result.stderr
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("PROXY protocol header sent (\(version)): PROXY TCP4 127.0.0.77 127.0.0.1 40000 \(port)"), "\(output)")
        #expect(output.contains("250 2.0.0 Ok: queued as"), "\(output)")
        // Postfix took the claimed address for the client's, for the connection and the message.
        // (Its own start-up probe connects to the other smtpd, from 127.0.0.1.)
        let log = postfix.mailLog(waitingFor: "client=unknown[127.0.0.77]")
        #expect(log.contains("connect from unknown[127.0.0.77]"), "\(log)")
        #expect(log.contains("client=unknown[127.0.0.77]"), "\(log)")
    }

    /// Without a header, that smtpd sees none and hangs up; with one, the claim is the
    /// connection's own address by default.
    @Test func withoutClaimsTheHeaderNamesTheConnection() throws {
        let (postfix, port) = try Self.postfix()
        defer { postfix.stop() }
        let result = try BinaryRunner.run(
            ["--color", "never", "127.0.0.1", String(port), "--proxy-protocol", "v2"],
            stdin: Data("EHLO client.example.org\nQUIT\n".utf8), timeout: 60)
        let output = result.stdout + result.stderr
        #expect(output.contains("250-mx.postfix.test"), "\(output)")
        #expect(output.contains("PROXY TCP4 127.0.0.1 127.0.0.1 "), "\(output)")
        #expect(postfix.mailLog(waitingFor: "connect from").contains("[127.0.0.1]"))
    }

    /// `smtpsh send` claims a client too; an IPv6 claim to an IPv4 server is refused
    /// before any byte is sent, with exit status 64.
    @Test func sendClaimsAClient() throws {
        let (postfix, port) = try Self.postfix()
        defer { postfix.stop() }
        let sent = try BinaryRunner.run(
            ["send", "--color", "never", "127.0.0.1", String(port), "--from", "alice@example.org", "--to", "bob@postfix.test",
             "--ehlo", "client.example.org", "--proxy-protocol", "v1", "--proxy-source", "127.0.0.88"], timeout: 60)
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        #expect(postfix.mailLog(waitingFor: "client=unknown[127.0.0.88]").contains("client=unknown[127.0.0.88]"))
        let mixed = try BinaryRunner.run(
            ["send", "--color", "never", "127.0.0.1", String(port), "--from", "alice@example.org", "--to", "bob@postfix.test",
             "--proxy-protocol", "v1", "--proxy-source", "::1"], timeout: 60)
        #expect(mixed.status == 64, "\(mixed.stdout)\(mixed.stderr)")
        #expect(mixed.stderr.contains("are not of the same family"), "\(mixed.stderr)")
    }
}

/// The command line's mistakes, said before connecting (exit 64).
@Suite struct ProxyProtocolUsageTests {
    @Test(arguments: [
        (["--proxy-source", "127.0.0.77"], "--proxy-source and --proxy-destination need --proxy-protocol v1 or v2"),
        (["--proxy-protocol", "v3"], "--proxy-protocol"),
        (["--proxy-protocol", "v1", "--proxy-source", "client.example.org"], "--proxy-source needs an IP address"),
        (["--proxy-protocol", "v1", "--proxy-destination", "127.0.0.1:99999"], "--proxy-destination needs an IP address"),
        (["--proxy-protocol", "v2", "--proxy-source", "127.0.0.77", "--proxy-destination", "::1"], "are not of the same family"),
    ])
    func aMistakeIsSaidBeforeConnecting(arguments: [String], message: String) throws {
        // Port 9 on loopback: nothing is tried, the mistake comes first.
        let result = try BinaryRunner.run(["127.0.0.1", "9"] + arguments, stdin: Data())
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
