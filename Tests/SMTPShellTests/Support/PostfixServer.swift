import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real Postfix for tests: Debian's `postfix` package (installed by `Scripts/setup --test`
/// with debconf's "No configuration", so the system's own mail setup is never configured or
/// started), run as an instance of its own.
///
/// ```swift
/// let postfix = try PostfixServer(settings: ["smtpd_recipient_limit": "3"])
/// defer { postfix.stop() }
/// // talk SMTP to 127.0.0.1:\(postfix.port); postfix.tlsPort requires STARTTLS first
/// print(postfix.mailLog())
/// ```
///
/// - Everything lives in a directory of its own under the build folder,
///   `.build/peers/postfix-<uuid>/`: `main.cf` and `master.cf` written by the test, the
///   queue, the data directory, a self-signed certificate for `mx.postfix.test`, and the log
///   (`maillog`, Postfix's own `maillog_file`, no syslog needed). `postfix -c DIR start`
///   and `postfix -c DIR stop` run it; `/etc/postfix` is never read or written.
/// - smtpd listens on two free loopback ports: ``port`` (STARTTLS offered) and ``tlsPort``
///   (`smtpd_tls_security_level = encrypt`: nothing but EHLO, STARTTLS and QUIT before TLS).
/// - The server is `mx.postfix.test` for the domain `postfix.test`, whose users are `bob`,
///   `alice` and `postmaster`; nothing relays (`mynetworks` holds no loopback address);
///   every message accepted is discarded (`discard:` transports): no mail ever leaves.
/// - The defaults make the usual refusals easy to produce: HELO and sender names must be
///   fully qualified (reported at RCPT, `smtpd_delay_reject`), `smtpd_recipient_limit = 3`,
///   `message_size_limit = 10240`, `smtpd_hard_error_limit = 8` with no error sleep, VRFY
///   off. ``init(settings:services:)`` overrides any `main.cf` parameter and adds
///   `master.cf` lines (for XCLIENT, the PROXY protocol, a policy service, greylisting…);
///   ``directory`` is where to put their files.
///
/// Postfix needs root to start (its master drops privileges to the `postfix` user): tests
/// using it are enabled if ``isAvailable``.
final class PostfixServer {
    static let postfix = "/usr/sbin/postfix"

    /// Postfix is installed and this process may start it.
    static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: postfix)
            && FileManager.default.isExecutableFile(atPath: "/usr/lib/postfix/sbin/smtpd")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
    }

    /// Where the instance lives: `.build/peers/postfix-<uuid>`.
    let directory: URL
    /// smtpd, STARTTLS offered.
    let port: Int
    /// smtpd with TLS required before mail.
    let tlsPort: Int
    /// The certificate smtpd presents (self-signed, `mx.postfix.test`).
    let certificate: URL
    private var running = false

    static let packageDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `main.cf` settings of every instance, before the caller's.
    static func defaultSettings(directory: URL) -> [(String, String)] {
        let path = directory.path
        return [
            ("compatibility_level", "3.6"),
            ("queue_directory", path + "/queue"),
            ("data_directory", path + "/data"),
            ("mail_owner", "postfix"),
            ("setgid_group", "postdrop"),
            ("inet_interfaces", "127.0.0.1"),
            ("inet_protocols", "ipv4"),
            ("myhostname", "mx.postfix.test"),
            ("mydomain", "postfix.test"),
            ("myorigin", "postfix.test"),
            ("mydestination", "postfix.test, mx.postfix.test"),
            ("mynetworks", "192.0.2.1/32"),
            ("maillog_file", path + "/maillog"),
            ("maillog_file_prefixes", path),
            ("alias_maps", ""),
            ("alias_database", ""),
            ("local_recipient_maps", "inline:{ bob=bob, alice=alice, postmaster=postmaster }"),
            ("local_transport", "discard:"),
            ("default_transport", "discard:"),
            ("relay_transport", "discard:"),
            ("smtpd_helo_required", "yes"),
            ("smtpd_helo_restrictions", "reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname"),
            ("smtpd_sender_restrictions", "reject_non_fqdn_sender"),
            ("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination"),
            ("smtpd_recipient_restrictions", "reject_non_fqdn_recipient"),
            ("smtpd_recipient_limit", "3"),
            ("message_size_limit", "10240"),
            ("smtpd_error_sleep_time", "0"),
            ("smtpd_soft_error_limit", "100"),
            ("smtpd_hard_error_limit", "8"),
            ("disable_vrfy_command", "yes"),
            ("smtpd_tls_cert_file", path + "/cert.pem"),
            ("smtpd_tls_key_file", path + "/key.pem"),
            ("smtpd_tls_security_level", "may"),
            ("smtputf8_enable", "no"),
            ("biff", "no"),
        ]
    }

    /// The daemons an instance runs (no chroot), before the caller's `services`.
    static let daemons = """
        pickup    unix  n  -  n  60    1  pickup
        cleanup   unix  n  -  n  -     0  cleanup
        qmgr      unix  n  -  n  300   1  qmgr
        tlsmgr    unix  -  -  n  1000? 1  tlsmgr
        rewrite   unix  -  -  n  -     -  trivial-rewrite
        bounce    unix  -  -  n  -     0  bounce
        defer     unix  -  -  n  -     0  bounce
        trace     unix  -  -  n  -     0  bounce
        verify    unix  -  -  n  -     1  verify
        flush     unix  n  -  n  1000? 0  flush
        proxymap  unix  -  -  n  -     -  proxymap
        smtp      unix  -  -  n  -     -  smtp
        relay     unix  -  -  n  -     -  smtp
        showq     unix  n  -  n  -     -  showq
        error     unix  -  -  n  -     -  error
        retry     unix  -  -  n  -     -  error
        discard   unix  -  -  n  -     -  discard
        local     unix  -  n  n  -     -  local
        anvil     unix  -  -  n  -     1  anvil
        scache    unix  -  -  n  -     1  scache
        postlog   unix-dgram n - n -   1  postlogd
        """

    /// Writes the instance and starts it; returns once smtpd answers on ``port``.
    /// `settings` override `main.cf` parameters; `services` are `master.cf` lines to add
    /// (`127.0.0.1:PORT inet n - n - - smtpd -o …`).
    init(settings: [String: String] = [:], services: [String] = []) throws {
        directory = Self.packageDirectory.appendingPathComponent(".build/peers/postfix-\(UUID().uuidString.prefix(8))")
        let files = FileManager.default
        try files.createDirectory(at: directory.appendingPathComponent("queue"), withIntermediateDirectories: true)
        try files.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        // The master takes its lock in the data directory as the mail_owner.
        try files.setAttributes([.ownerAccountName: "postfix"], ofItemAtPath: directory.appendingPathComponent("data").path)
        let ports = try Self.freePorts(2)
        port = ports[0]
        tlsPort = ports[1]
        certificate = directory.appendingPathComponent("cert.pem")
        try Self.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory.appendingPathComponent("key.pem").path, "-out", certificate.path, "-days", "2",
            "-subj", "/CN=mx.postfix.test", "-addext", "subjectAltName=DNS:mx.postfix.test",
        ])
        var main = Self.defaultSettings(directory: directory).filter { settings[$0.0] == nil }
        main += settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        try main.map { "\($0.0) = \($0.1)" }.joined(separator: "\n").appending("\n")
            .write(to: directory.appendingPathComponent("main.cf"), atomically: true, encoding: .utf8)
        let master = [
            "127.0.0.1:\(port) inet n - n - - smtpd",
            "127.0.0.1:\(tlsPort) inet n - n - - smtpd -o smtpd_tls_security_level=encrypt",
        ] + services + [Self.daemons]
        try master.joined(separator: "\n").appending("\n")
            .write(to: directory.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
        let output = try Self.run(Self.postfix, ["-c", directory.path, "start"], allowFailure: true)
        running = true
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if Self.answers(port: port) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw PostfixError(description: "Postfix did not start: \(output)\n\(mailLog())")
    }

    /// `main.cf` settings that relay `domains` (and anything not local) to the SMTP server on
    /// 127.0.0.1:`port` (the practice server, which stores what it gets), without TLS.
    static func relaying(_ domains: String, to port: Int) -> [String: String] {
        let next = "smtp:[127.0.0.1]:\(port)"
        return ["relay_domains": domains, "relay_transport": next, "default_transport": next, "smtp_tls_security_level": "none"]
    }

    /// Postfix's log of this instance so far.
    func mailLog() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("maillog"), encoding: .utf8)) ?? ""
    }

    /// The mail log once it contains `text`, or as it is after `timeout` seconds: Postfix logs
    /// a delivery after the client has its 250 (the queue manager and the transport run
    /// after smtpd), later still on a busy machine.
    func mailLog(waitingFor text: String, timeout: Double = 20) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var log = mailLog()
        while !log.contains(text) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            log = mailLog()
        }
        return log
    }

    /// Stops the instance (its master and every daemon) and removes its directory.
    func stop() {
        guard running else { return }
        running = false
        _ = try? Self.run(Self.postfix, ["-c", directory.path, "stop"], allowFailure: true)
        // `postfix stop` returns before the master has gone: wait for its pid file to go.
        let pidFile = directory.appendingPathComponent("queue/pid/master.pid")
        let deadline = Date().addingTimeInterval(10)
        while FileManager.default.fileExists(atPath: pidFile.path) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
        }
        if let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    // MARK: - Helpers

    /// `count` loopback ports free now (each bound to port 0, read back, released).
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw PostfixError(description: "socket: \(errno)") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { throw PostfixError(description: "bind: \(errno)") }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Something accepts connections on 127.0.0.1:`port`.
    static func answers(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], allowFailure: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // A file, not a pipe: Postfix's master keeps what it inherits open, and a pipe would
        // never reach its end.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-postfix-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if process.terminationStatus != 0 && !allowFailure {
            throw PostfixError(description: "\(executable) \(arguments.joined(separator: " ")): \(output)")
        }
        return output
    }
}

struct PostfixError: Error, CustomStringConvertible {
    var description: String
}
