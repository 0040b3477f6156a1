import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// `--mx DOMAIN` with `--dns-server`: a fake DNS server and the practice server on loopback.
@Suite(.serialized) struct MXTests {
    @Test func connectsToTheBestMXAndFallsBackWhenOneRefuses() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let dns = try FakeDNSServer(records: [
                "example.test": [.mx(preference: 20, exchange: "mx2.example.test"), .mx(preference: 10, exchange: "mx1.example.test")],
                // Nothing listens on 127.0.0.2 at that port: refused, so smtpsh tries mx2.
                "mx1.example.test": [.a([127, 0, 0, 2])],
                "mx2.example.test": [.a([127, 0, 0, 1])],
            ])
            defer { dns.stop() }
            let result = try BinaryRunner.run(
                ["--mx", "example.test:\(port)", "--dns-server", "127.0.0.1:\(dns.port)", "--timeout", "5"],
                stdin: Data("QUIT\n".utf8)
            )
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("=== MX for example.test: mx1.example.test, mx2.example.test"))
            #expect(result.stdout.contains("connection refused by 127.0.0.2:\(port)"))
            #expect(result.stdout.contains("=== Connected to 127.0.0.1:\(port)"))
            #expect(result.stdout.contains("<-  221"))
        }
    }

    @Test func anUnknownDomainIsADNSError() throws {
        let dns = try FakeDNSServer(records: [:])
        defer { dns.stop() }
        let result = try BinaryRunner.run(["--mx", "nowhere.test", "--dns-server", "127.0.0.1:\(dns.port)", "--timeout", "3"], stdin: Data())
        #expect(result.status == 3)
        #expect(result.stderr.contains("DNS name not found: nowhere.test"))
    }

    @Test func aNullMXMeansNoMail() throws {
        let dns = try FakeDNSServer(records: ["nomail.test": [.mx(preference: 0, exchange: "")]])
        defer { dns.stop() }
        let result = try BinaryRunner.run(["--mx", "nomail.test", "--dns-server", "127.0.0.1:\(dns.port)", "--timeout", "3"], stdin: Data())
        #expect(result.status == 3)
        #expect(result.stderr.contains("nomail.test accepts no mail: its only MX record is the null MX (RFC 7505)"), "\(result.stderr)")
    }

    @Test func aSilentDNSServerTimesOut() throws {
        // A UDP port on loopback where nobody answers.
        let silent = try FakeDNSServer(records: [:])
        silent.stop()
        let result = try BinaryRunner.run(["--mx", "example.test", "--dns-server", "127.0.0.1:\(silent.port)", "--timeout", "1"], stdin: Data(), timeout: 15)
        #expect(result.status == 3)
        #expect(result.stderr.contains("no answer from the DNS server 127.0.0.1:\(silent.port)") || result.stderr.contains("cannot resolve example.test"))
    }
}
