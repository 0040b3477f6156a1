import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real LMTP server for tests: Dovecot's `lmtp` service (Debian's `dovecot-lmtpd`,
/// installed by `Scripts/setup --test`), run as an instance of its own.
///
/// ```swift
/// let dovecot = try DovecotLMTPServer()
/// defer { dovecot.stop() }
/// // LMTP on 127.0.0.1:\(dovecot.port) and on unix:\(dovecot.socketPath)
/// ```
///
/// - Everything lives under the build folder, `.build/peers/dovecot-<uuid>/`: its
///   `dovecot.conf`, the `users` file, the runtime directory (`base_dir`, which holds the
///   UNIX socket `lmtp`), the log and the mailboxes. `/etc/dovecot` is never read.
/// - Users: `alice` (delivered), `bob` (a quota of 1 kB: a message over it gets
///   `552 5.2.2 <bob> Quota exceeded` after the final dot, alice's 250 beside it); any
///   other name is refused at RCPT (`550 5.1.1 User doesn't exist`).
/// - Mail is stored as the `nobody` user: the master must start as root, as in CI.
final class DovecotLMTPServer {
    static let dovecot = "/usr/sbin/dovecot"

    /// Dovecot with its LMTP service is installed and this process may start it.
    static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: dovecot)
            && FileManager.default.isExecutableFile(atPath: "/usr/lib/dovecot/lmtp")
    }

    /// Why the tests that need it cannot run here; in CI (`CI` set) they fail instead of
    /// being skipped: the peer is part of the suite.
    static var mustRun: Bool { isAvailable || ProcessInfo.processInfo.environment["CI"] != nil }

    let directory: URL
    let port: Int
    /// The UNIX-domain socket of the same service.
    var socketPath: String { directory.appendingPathComponent("run/lmtp").path }
    private let process = Process()

    static let packageDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init() throws {
        guard Self.isAvailable else { throw PeerError("Dovecot's LMTP server is not installed or not startable (root and dovecot-lmtpd: Scripts/setup --test)") }
        directory = Self.packageDirectory.appendingPathComponent(".build/peers/dovecot-\(UUID().uuidString.prefix(8))")
        let files = FileManager.default
        for name in ["run", "state", "mail"] {
            try files.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try files.setAttributes([.ownerAccountName: "nobody", .groupOwnerAccountName: "nogroup"], ofItemAtPath: directory.appendingPathComponent("mail").path)
        port = try PeerPorts.free()
        let path = directory.path
        let users = """
            alice:::::\(path)/mail/alice::
            bob:::::\(path)/mail/bob::userdb_quota_rule=*:storage=1

            """
        try users.write(to: directory.appendingPathComponent("users"), atomically: true, encoding: .utf8)
        let configuration = """
            base_dir = \(path)/run
            state_dir = \(path)/state
            instance_name = smtpsh-test-\(directory.lastPathComponent)
            log_path = \(path)/dovecot.log
            info_log_path = \(path)/dovecot.log
            protocols = lmtp
            listen = 127.0.0.1
            ssl = no
            hostname = lmtp.test
            postmaster_address = postmaster@lmtp.test
            mail_location = maildir:\(path)/mail/%u
            mail_uid = nobody
            mail_gid = nogroup
            first_valid_uid = 1
            auth_username_format = %Ln
            mail_plugins = quota
            plugin {
              quota = maildir:User quota
              quota_rule = *:storage=100M
            }
            passdb {
              driver = passwd-file
              args = \(path)/users
            }
            userdb {
              driver = passwd-file
              args = \(path)/users
            }
            service lmtp {
              inet_listener lmtp {
                address = 127.0.0.1
                port = \(port)
              }
              unix_listener lmtp {
                mode = 0666
              }
            }

            """
        let file = directory.appendingPathComponent("dovecot.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: Self.dovecot)
        // In the foreground: this process is the master, and stop() ends it.
        process.arguments = ["-F", "-c", file.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard PeerPorts.waitForGreeting(port: port, timeout: 20), process.isRunning else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("dovecot.log"), encoding: .utf8)) ?? ""
            stop()
            throw PeerError("Dovecot did not start: \(log)")
        }
    }

    /// The messages delivered to `user`'s inbox, as stored.
    func messages(of user: String) -> [String] {
        let new = directory.appendingPathComponent("mail/\(user)/new")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted()
        return names.compactMap { try? String(contentsOf: new.appendingPathComponent($0), encoding: .utf8) }
    }

    /// Whether a process of this instance is still running (its services are named after
    /// the instance: `dovecot-smtpsh-test-dovecot-XXXX/lmtp`).
    static func servicesRunning(of directory: URL) -> Bool {
        let name = "smtpsh-test-" + directory.lastPathComponent
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.contains { pid in
            guard pid.allSatisfy(\.isNumber), let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return false }
            return command.contains(name)
        }
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("dovecot.log"), encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            // The master inherits the test runner's blocked signals (SIGTERM among them):
            // SIGKILL ends it, and its services end with it (they watch the master's pipe).
            kill(process.processIdentifier, SIGKILL)
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            // Its services leave within a moment; the directory goes once they have.
            let services = Date().addingTimeInterval(5)
            while Date() < services && Self.servicesRunning(of: directory) { Thread.sleep(forTimeInterval: 0.05) }
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

struct PeerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Loopback ports for the peers the tests start.
enum PeerPorts {
    /// A port nothing listens on now: bound to port 0 on 127.0.0.1, then released.
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PeerError("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw PeerError("bind: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Connects to 127.0.0.1:`port` until a line that starts with `220` comes, or the time is up.
    static func waitForGreeting(port: Int, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let fd = connected(port: port) {
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var buffer = [UInt8](repeating: 0, count: 512)
                let count = read(fd, &buffer, buffer.count)
                _ = write(fd, "QUIT\r\n", 6)
                close(fd)
                if count >= 3 && buffer.starts(with: Array("220".utf8)) { return true }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// A socket connected to 127.0.0.1:`port`, or `nil` when nothing accepts.
    static func connected(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let done = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if done { return fd }
        close(fd)
        return nil
    }
}
