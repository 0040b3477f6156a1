import SMTPClient
import Testing

/// The proxies' handshakes, pure: the bytes RFC 1928/1929 and RFC 9110 say, any chunking,
/// the refusals and what is not a proxy.
@Suite struct ProxyHandshakeTests {
    @Test func socks5WithoutCredentialsAsksByName() {
        var socks = SOCKS5Handshake(host: "mail.example.org", port: 25, user: nil, password: nil)
        #expect(socks.greeting() == [5, 1, 0])
        let name = Array("mail.example.org".utf8)
        #expect(socks.receive([5, 0]) == .send([5, 1, 0, 3, UInt8(name.count)] + name + [0, 25]))
        // The reply, in two pieces, with the server's greeting right behind it.
        #expect(socks.receive([5, 0, 0, 1, 127, 0]) == .wait)
        #expect(socks.receive([0, 1, 0x04, 0x38] + Array("220 hi\r\n".utf8)) == .connected(leftover: Array("220 hi\r\n".utf8)))
    }

    @Test func socks5AnIPv4AddressGoesAsOne() {
        var socks = SOCKS5Handshake(host: "192.0.2.7", port: 2525, user: nil, password: nil)
        #expect(socks.receive([5, 0]) == .send([5, 1, 0, 1, 192, 0, 2, 7, 0x09, 0xDD]))
        // A domain-name bound address in the reply (ATYP 3).
        #expect(socks.receive([5, 0, 0, 3, 3] + Array("abc".utf8) + [0, 1]) == .connected(leftover: []))
    }

    @Test func socks5UserAndPassword() {
        var socks = SOCKS5Handshake(host: "mx", port: 25, user: "alice", password: "pw")
        #expect(socks.greeting() == [5, 2, 0, 2])
        #expect(socks.receive([5, 2]) == .send([1, 5] + Array("alice".utf8) + [2] + Array("pw".utf8)))
        #expect(socks.receive([1, 0]) == .send([5, 1, 0, 3, 2] + Array("mx".utf8) + [0, 25]))

        var refused = SOCKS5Handshake(host: "mx", port: 25, user: "alice", password: "bad")
        _ = refused.receive([5, 2])
        #expect(refused.receive([1, 1]) == .failed(.authenticationFailed))
    }

    @Test func socks5Refusals() {
        var noCredentials = SOCKS5Handshake(host: "mx", port: 25, user: nil, password: nil)
        #expect(noCredentials.receive([5, 2]) == .failed(.credentialsRequired))
        var noMethod = SOCKS5Handshake(host: "mx", port: 25, user: nil, password: nil)
        #expect(noMethod.receive([5, 0xFF]) == .failed(.credentialsRequired), "offered no user: it wants one")
        var noMethodAtAll = SOCKS5Handshake(host: "mx", port: 25, user: "alice", password: "pw")
        #expect(noMethodAtAll.receive([5, 0xFF]) == .failed(.noAcceptableMethod))
        var hostUnreachable = SOCKS5Handshake(host: "mx", port: 25, user: nil, password: nil)
        _ = hostUnreachable.receive([5, 0])
        #expect(hostUnreachable.receive([5, 4, 0, 1, 0, 0, 0, 0, 0, 0]) == .failed(.socksReply(4)))
        // An HTTP server, or an SMTP server, where a SOCKS proxy was expected.
        var notSOCKS = SOCKS5Handshake(host: "mx", port: 25, user: nil, password: nil)
        #expect(notSOCKS.receive(Array("220 mx ESMTP\r\n".utf8)) == .failed(.malformed))
    }

    @Test func httpConnectRequestAndReplies() {
        var http = HTTPConnectHandshake(host: "mail.example.org", port: 25, user: nil, password: nil)
        #expect(String(decoding: http.request(), as: UTF8.self) == "CONNECT mail.example.org:25 HTTP/1.1\r\nHost: mail.example.org:25\r\n\r\n")
        #expect(http.receive(Array("HTTP/1.1 200 Connection established\r\n".utf8)) == .wait)
        #expect(http.receive(Array("Proxy-Agent: x\r\n\r\n220 mx\r\n".utf8)) == .connected(leftover: Array("220 mx\r\n".utf8)))

        let withUser = HTTPConnectHandshake(host: "::1", port: 25, user: "alice", password: "pw")
        let request = String(decoding: withUser.request(), as: UTF8.self)
        #expect(request.hasPrefix("CONNECT [::1]:25 HTTP/1.1\r\n"))
        #expect(request.contains("Proxy-Authorization: Basic YWxpY2U6cHc=\r\n"))

        var forbidden = HTTPConnectHandshake(host: "mx", port: 25, user: nil, password: nil)
        #expect(forbidden.receive(Array("HTTP/1.1 403 Access violation\r\nServer: t\r\n\r\n<html>".utf8)) == .failed(.httpStatus(403, "Access violation")))
        var needsAuth = HTTPConnectHandshake(host: "mx", port: 25, user: nil, password: nil)
        #expect(needsAuth.receive(Array("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n".utf8)) == .failed(.credentialsRequired))
        // Endless headers: bounded.
        var endless = HTTPConnectHandshake(host: "mx", port: 25, user: nil, password: nil)
        var result = endless.receive(Array("HTTP/1.1 200 OK\r\n".utf8))
        for _ in 0..<2000 where result == .wait { result = endless.receive(Array("X-Filler: 0123456789\r\n".utf8)) }
        #expect(result == .failed(.malformed))
        var garbage = HTTPConnectHandshake(host: "mx", port: 25, user: nil, password: nil)
        #expect(garbage.receive(Array("220 mx ESMTP\r\n\r\n".utf8)) == .failed(.malformed))
    }

    @Test func proxyURLs() throws {
        let socks = try ProxyConfiguration(parsing: "socks5h://al%40ice:p%3Ass@proxy.example:1081/")
        #expect(socks.kind == .socks5)
        #expect(socks.host == "proxy.example" && socks.port == 1081)
        #expect(socks.user == "al@ice" && socks.password == "p:ss")
        #expect(socks.description == "socks5://al%40ice@proxy.example:1081", "the password is never in the description")
        let http = try ProxyConfiguration(parsing: "http://[::1]", user: "bob", password: "env")
        #expect(http.kind == .httpConnect && http.host == "::1" && http.port == 8080)
        #expect(http.user == "bob" && http.password == "env")
        #expect(throws: ProxyURLError.notAURL("proxy:1080")) { try ProxyConfiguration(parsing: "proxy:1080") }
        #expect(throws: ProxyURLError.unsupportedScheme("socks4")) { try ProxyConfiguration(parsing: "socks4://p:1") }
        #expect(throws: ProxyURLError.badAddress("socks5://p:99999")) { try ProxyConfiguration(parsing: "socks5://p:99999") }
        #expect(throws: ProxyURLError.credentialsTooLong) {
            try ProxyConfiguration(parsing: "socks5://\(String(repeating: "u", count: 256)):x@p:1")
        }
    }
}
