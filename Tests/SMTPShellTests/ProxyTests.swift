import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// `--proxy` through the built binary, to the practice server, through real proxies:
/// microsocks (SOCKS5) and tinyproxy (HTTP CONNECT).
@Suite(.serialized) struct ProxyTests {
    static func send(_ port: Int, _ extra: [String], environment: [String: String] = [:]) throws -> BinaryRunner.Result {
        try BinaryRunner.run(
            ["send", "localhost", String(port), "--from", "a@example.org", "--to", "b@example.org", "--no-explain", "--timeout", "5"] + extra,
            environment: environment)
    }

    @Test(.enabled(if: ProxyPeer.mustRunSOCKS, "microsocks is needed (Scripts/setup --test)"))
    func socks5CarriesTheSessionAndResolvesTheName() async throws {
        let proxy = try ProxyPeer.socks()
        defer { proxy.stop() }
        try await PipedSessionTests.withServer { port, directory in
            // `localhost`: the proxy resolves it (the name is sent, not an address).
            let result = try Self.send(port, ["--proxy", "socks5://127.0.0.1:\(proxy.port)"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("=== Trying 127.0.0.1:\(proxy.port)..."), "\(result.stdout)")
            #expect(result.stdout.contains("=== The proxy socks5://127.0.0.1:\(proxy.port) opened the way to localhost:\(port) in"), "\(result.stdout)")
            #expect(result.stdout.contains("<-  220 practice.localhost ESMTP"), "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).count == 1)
        }
    }

    @Test(.enabled(if: ProxyPeer.mustRunSOCKS, "microsocks is needed (Scripts/setup --test)"))
    func socks5WithAUserAndPassword() async throws {
        let proxy = try ProxyPeer.socks(user: "alice", password: "s3cret")
        defer { proxy.stop() }
        try await PipedSessionTests.withServer { port, _ in
            let recording = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-proxy-\(UUID().uuidString).smtp")
            defer { try? FileManager.default.removeItem(at: recording) }
            // From the environment; the password is never shown or recorded.
            let ok = try Self.send(
                port, ["--proxy", "socks5h://127.0.0.1:\(proxy.port)", "--record", recording.path],
                environment: ["SMTPSH_PROXY_USER": "alice", "SMTPSH_PROXY_PASSWORD": "s3cret"])
            #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
            #expect(ok.stdout.contains("socks5://alice@127.0.0.1:\(proxy.port)"), "\(ok.stdout)")
            #expect(!ok.stdout.contains("s3cret") && !ok.stderr.contains("s3cret"))
            #expect(!((try? String(contentsOf: recording, encoding: .utf8)) ?? "s3cret").contains("s3cret"))

            let wrong = try Self.send(port, ["--proxy", "socks5://alice:nope@127.0.0.1:\(proxy.port)"])
            #expect(wrong.status == 21, "\(wrong.stdout)\(wrong.stderr)")
            #expect(wrong.stderr.contains("the proxy socks5://alice@127.0.0.1:\(proxy.port) did not connect to localhost:\(port): it refused the user and password"), "\(wrong.stderr)")
            #expect(!wrong.stderr.contains("nope"))

            let none = try Self.send(port, ["--proxy", "socks5://127.0.0.1:\(proxy.port)"])
            #expect(none.status == 21, "\(none.stdout)\(none.stderr)")
            // microsocks answers "no acceptable method" and closes (the close may come first).
            #expect(
                none.stderr.contains("it asks for a user and password (give them in the URL")
                    || none.stderr.contains("it closed the connection without choosing a way to log in (it may want a user and password"),
                "\(none.stderr)")
        }
    }

    /// A server the proxy cannot reach: SOCKS reply 5 (refused), or 4 for a name it cannot resolve.
    @Test(.enabled(if: ProxyPeer.mustRunSOCKS, "microsocks is needed (Scripts/setup --test)"))
    func socks5RefusedByTheServerBehind() throws {
        let proxy = try ProxyPeer.socks()
        defer { proxy.stop() }
        let closed = try PeerPorts.free()
        let result = try Self.send(closed, ["--proxy", "socks5://127.0.0.1:\(proxy.port)"])
        #expect(result.status == 21, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("did not connect to localhost:\(closed): SOCKS reply"), "\(result.stderr)")
    }

    @Test func anUnreachableProxyIsItsOwnStatus() throws {
        let nobody = try PeerPorts.free()
        let result = try Self.send(2525, ["--proxy", "socks5://127.0.0.1:\(nobody)"])
        #expect(result.status == 21, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("cannot reach the proxy socks5://127.0.0.1:\(nobody): connection refused by 127.0.0.1:\(nobody)"), "\(result.stderr)")
    }

    /// A "proxy" that takes the connection and never answers: given up after --timeout.
    @Test func aSilentProxyTimesOut() throws {
        let silent = try RawServer { connection in
            _ = connection.readLine(timeout: 5)
            connection.close()
        }
        let started = Date()
        let result = try BinaryRunner.run(["localhost", "25", "--proxy", "socks5://127.0.0.1:\(silent.port)", "--timeout", "1"], stdin: Data("QUIT\n".utf8))
        silent.finish()
        #expect(result.status == 21, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("the proxy socks5://127.0.0.1:\(silent.port) did not open the way to localhost:25 in time (--timeout)"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
        // It was asked as SOCKS5 asks: version 5, one method.
        #expect(silent.receivedText.utf8.starts(with: [5, 1, 0]))
    }

    @Test func badProxyURLs() throws {
        for (url, words) in [("127.0.0.1:1080", "takes a URL"), ("ftp://x:1", "not a proxy smtpsh speaks"), ("socks5://[::1", "is not a host and port")] {
            let result = try BinaryRunner.run(["localhost", "--proxy", url])
            #expect(result.status == 64, "\(url): \(result.stderr)")
            #expect(result.stderr.contains(words), "\(url): \(result.stderr)")
        }
        let unix = try BinaryRunner.run(["unix:/tmp/x.sock", "--proxy", "socks5://127.0.0.1:1"])
        #expect(unix.status == 64, "\(unix.stderr)")
    }

    @Test(.enabled(if: ProxyPeer.mustRunHTTP, "tinyproxy (as root) is needed (Scripts/setup --test)"))
    func httpConnect() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let proxy = try ProxyPeer.http(connectPort: port)
            defer { proxy.stop() }
            let result = try Self.send(port, ["--proxy", "http://127.0.0.1:\(proxy.port)", "--starttls"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n\(proxy.log)")
            #expect(result.stdout.contains("=== The proxy http://127.0.0.1:\(proxy.port) opened the way to localhost:\(port)"), "\(result.stdout)")
            // TLS in place works through the tunnel too.
            #expect(result.stdout.contains("STARTTLS"), "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).count == 1)
            #expect(proxy.log.contains("CONNECT localhost:\(port)"), "\(proxy.log)")

            // A port the proxy does not allow: its 403, said, exit 21.
            let other = try PeerPorts.free()
            let refused = try Self.send(other, ["--proxy", "http://127.0.0.1:\(proxy.port)"])
            #expect(refused.status == 21, "\(refused.stdout)\(refused.stderr)")
            #expect(refused.stderr.contains("did not connect to localhost:\(other): HTTP 403"), "\(refused.stderr)")
        }
    }
}
