import Crypto
import Foundation
import NIOSSL
import SMTPPracticeServer
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#endif

/// A TCP server on 127.0.0.1 that misbehaves on purpose: every connection it accepts is
/// handed to `script` on a thread of its own, so one server serves a piped session, `smtpsh
/// send` and `smtpsh replay` one after the other. Unlike ``RawServer`` it never builds a
/// large reply in memory (``HostileConnection/stream(_:count:)``), never blocks forever on
/// a client that stops reading (every send has a deadline), and opens every descriptor
/// close-on-exec, so a child process started by another test never holds one of its
/// connections open.
final class HostileServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false
    private var open: [HostileConnection] = []
    private let group = DispatchGroup()
    private var receivedBytes = Data()

    /// `receiveBuffer`: SO_RCVBUF for accepted connections (small, for a server that stops
    /// reading and should make the client's writes block soon).
    init(receiveBuffer: Int? = nil, script: @escaping @Sendable (HostileConnection) -> Void) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EMFILE) }
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer.map(Int32.init) {
            // Inherited by accepted sockets; must be set before listen() to shape the window.
            setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        group.enter()
        let acceptor = Thread { [self] in
            defer { group.leave() }
            while !isStopped {
                var pollfd = Glibc.pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard poll(&pollfd, 1, 50) > 0 else { continue }
                let client = accept(listener, nil, nil)
                guard client >= 0 else { continue }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                let connection = HostileConnection(fd: client, server: self)
                lock.withLock { open.append(connection) }
                group.enter()
                let worker = Thread { [self] in
                    script(connection)
                    connection.close()
                    group.leave()
                }
                worker.start()
            }
        }
        acceptor.start()
    }

    var isStopped: Bool { lock.withLock { stopped } }

    fileprivate func record(_ bytes: UnsafeRawBufferPointer) {
        lock.withLock { receivedBytes.append(contentsOf: bytes) }
    }

    /// Everything every client sent, as far as the scripts read it.
    var received: Data { lock.withLock { receivedBytes } }
    var receivedText: String { String(decoding: received, as: UTF8.self) }

    /// Stops accepting, ends every connection still open (scripts waiting on them return),
    /// and waits for the scripts (at most `timeout` seconds).
    func stop(timeout: Double = 10) {
        let connections = lock.withLock {
            stopped = true
            return open
        }
        for connection in connections { connection.shutdown() }
        _ = group.wait(timeout: .now() + timeout)
        close(listener)
        lock.withLock { open = [] }
    }
}

/// One accepted connection of a ``HostileServer``. Every call has a deadline.
final class HostileConnection: @unchecked Sendable {
    let fd: Int32
    private let server: HostileServer
    private let lock = NSLock()
    private var closed = false
    private var pending: [UInt8] = []

    fileprivate init(fd: Int32, server: HostileServer) {
        self.fd = fd
        self.server = server
    }

    var isStopped: Bool { server.isStopped }

    // MARK: Sending

    /// Sends everything, or gives up (`false`) when the client is gone or has not read for
    /// `timeout` seconds.
    @discardableResult
    func send(_ bytes: [UInt8], timeout: Double = 10) -> Bool {
        bytes.withUnsafeBytes { send(raw: $0, timeout: timeout) }
    }

    @discardableResult
    func send(_ text: String, timeout: Double = 10) -> Bool { send(Array(text.utf8), timeout: timeout) }

    /// SMTP lines, each followed by CRLF, in one write.
    @discardableResult
    func sendLines(_ lines: [String], timeout: Double = 10) -> Bool {
        send(lines.map { $0 + "\r\n" }.joined(), timeout: timeout)
    }

    private func send(raw: UnsafeRawBufferPointer, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var offset = 0
        while offset < raw.count {
            if Date() >= deadline || isStopped { return false }
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&pollfd, 1, 50)
            if ready < 0 && errno != EINTR { return false }
            if ready <= 0 { continue }
            if pollfd.revents & Int16(POLLERR | POLLHUP) != 0 { return false }
            let count = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    /// Sends `count` copies of `byte` in chunks of 1 MiB: a 100 MB line is never in memory.
    @discardableResult
    func stream(_ byte: UInt8, count: Int, timeout: Double = 30) -> Bool {
        let chunk = [UInt8](repeating: byte, count: 1 << 20)
        var left = count
        let deadline = Date().addingTimeInterval(timeout)
        while left > 0 {
            let size = min(left, chunk.count)
            let sent = chunk.withUnsafeBytes { send(raw: UnsafeRawBufferPointer(rebasing: $0[0..<size]), timeout: deadline.timeIntervalSinceNow) }
            if !sent { return false }
            left -= size
        }
        return true
    }

    /// One byte at a time, `interval` seconds apart, until done, the client is gone, or
    /// `timeout` seconds have passed.
    func trickle(_ bytes: [UInt8], interval: Double, timeout: Double = 15) {
        let deadline = Date().addingTimeInterval(timeout)
        for byte in bytes {
            if Date() >= deadline || !send([byte], timeout: 1) { return }
            if peerHasGone(wait: interval) { return }
        }
    }

    // MARK: Reading

    /// Reads one line (up to LF, without CR LF), or nil at EOF or after `timeout` seconds.
    func readLine(timeout: Double = 10) -> String? {
        readLineBytes(timeout: timeout).map { String(decoding: $0, as: UTF8.self) }
    }

    func readLineBytes(timeout: Double = 10) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let lf = pending.firstIndex(of: 10) {
                var line = Array(pending[..<lf])
                pending.removeSubrange(...lf)
                if line.last == 13 { line.removeLast() }
                return line
            }
            if Date() >= deadline || isStopped { return nil }
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollfd, 1, 50)
            if ready <= 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            buffer.withUnsafeBytes { server.record(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            pending += buffer[0..<count]
        }
    }

    /// Reads exactly `count` bytes (a TLS record), or nil at EOF or after `timeout` seconds.
    func readBytes(count: Int, timeout: Double = 10) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(timeout)
        while pending.count < count {
            if Date() >= deadline || isStopped { return nil }
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pollfd, 1, 50) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received <= 0 { return nil }
            buffer.withUnsafeBytes { server.record(UnsafeRawBufferPointer(rebasing: $0[0..<received])) }
            pending += buffer[0..<received]
        }
        let bytes = Array(pending.prefix(count))
        pending.removeFirst(count)
        return bytes
    }

    /// Reads lines until one equals `line` (a message's final dot); false at EOF or timeout.
    func readUntil(line: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while let next = readLine(timeout: max(0, deadline.timeIntervalSinceNow)) {
            if next == line { return true }
        }
        return false
    }

    /// Waits without reading until the client closes or resets its side, or `wait` seconds
    /// pass; true if it has gone.
    @discardableResult
    func peerHasGone(wait: Double) -> Bool {
        let deadline = Date().addingTimeInterval(wait)
        repeat {
            if isStopped { return true }
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(0x2000 /* POLLRDHUP */ | POLLHUP | POLLERR), revents: 0)
            if poll(&pollfd, 1, Int32(max(1, min(50, deadline.timeIntervalSinceNow * 1000)))) > 0 { return true }
        } while Date() < deadline
        return false
    }

    // MARK: Ending

    func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            Glibc.close(fd)
        }
    }

    /// Closes with a TCP reset (SO_LINGER 0) instead of a FIN.
    func reset() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            var option = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
            Glibc.close(fd)
        }
    }

    /// Ends both directions without releasing the descriptor (unblocks the script).
    fileprivate func shutdown() {
        lock.withLock {
            guard !closed else { return }
            _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
        }
    }
}

// MARK: - A plausible SMTP server to misbehave from

/// What the default server does with a command, unless the behaviour under test says otherwise.
enum HostileAction {
    /// The default answer.
    case standard
    /// The behaviour has answered (or not) by itself; read the next command.
    case handled
    /// The script is over (the connection is closed when it returns).
    case stop
}

extension HostileConnection {
    static let ehloLines = ["250-hostile.example", "250-PIPELINING", "250-8BITMIME", "250-AUTH PLAIN LOGIN CRAM-MD5", "250 HELP"]

    /// A small, correct SMTP server, with `hook` called first for each command line: the
    /// greeting (unless `greeting` is nil), EHLO, MAIL, RCPT, DATA (354, the message up to
    /// the dot, 250), RSET, NOOP, QUIT (221 and close), 502 for anything else. Ends when the
    /// client leaves, or `timeout` seconds pass without a command.
    func playSMTP(
        greeting: String? = "220 hostile.example ESMTP",
        ehlo: [String] = HostileConnection.ehloLines,
        timeout: Double = 10,
        _ hook: (String, HostileConnection) -> HostileAction = { _, _ in .standard }
    ) {
        if let greeting, !sendLines([greeting]) { return }
        while let line = readLine(timeout: timeout) {
            switch hook(line, self) {
            case .handled: continue
            case .stop: return
            case .standard: break
            }
            let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
            switch verb {
            case "EHLO": sendLines(ehlo)
            case "HELO": sendLines(["250 hostile.example"])
            case "MAIL", "RCPT", "RSET", "NOOP": sendLines(["250 2.0.0 OK"])
            case "DATA":
                sendLines(["354 End data with <CR><LF>.<CR><LF>"])
                guard readUntil(line: ".", timeout: timeout) else { return }
                sendLines(["250 2.0.0 queued"])
            case "QUIT":
                sendLines(["221 2.0.0 bye"])
                return
            default: sendLines(["502 5.5.2 not implemented"])
            }
        }
    }
}

// MARK: - Running the binary, with its peak memory

/// Runs the built `smtpsh` under GNU time (`/usr/bin/time -q -f %M`), in a process group of
/// its own, so that the result says how it ended (an exit status, or a signal: reported as
/// 128 + the signal, as time reports it) and how much memory it took at its peak, and so
/// that a hang is cut short (SIGKILL to the group after `timeout`).
///
/// Why time: posix_spawn starts the child with vfork semantics (it shares the test
/// process's memory until exec), and Linux then carries the *test process's* peak RSS into
/// the child's `ru_maxrss`. GNU time forks for real, so its child's figure is smtpsh's own.
/// Without /usr/bin/time, the peak is read from /proc/PID/status (VmHWM) while it runs.
enum Child {
    struct Result: CustomStringConvertible, Sendable {
        /// The exit status, or 128 + the signal that ended the process.
        var status: Int32
        /// Killed by this runner after the time limit.
        var hung: Bool
        var seconds: Double
        /// Peak resident set size, in kilobytes.
        var peakRSSKilobytes: Int
        var stdoutData: Data
        var stderrData: Data
        var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
        var stderr: String { String(decoding: stderrData, as: UTF8.self) }
        var peakRSSMegabytes: Double { Double(peakRSSKilobytes) / 1024 }

        /// Did not crash, hang, or print a Swift runtime error.
        var endedCleanly: Bool { !hung && status < 128 && !stderr.contains("Fatal error") && !stderr.contains("Backtrace") }

        var description: String {
            let tail = stdout.count > 3000 ? "…" + String(stdout.suffix(3000)) : stdout
            return "status \(status)\(hung ? " (hung, killed)" : ""), \(String(format: "%.2f", seconds)) s, peak RSS \(String(format: "%.1f", peakRSSMegabytes)) MB\nstdout: \(tail)\nstderr: \(stderr.prefix(2000))"
        }
    }

    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34), which Swift's Glibc module
    /// does not expose.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    nonisolated(unsafe) private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// `stdin` is written to a pipe, which stays open `holdStdinOpen` seconds more (a script
    /// that has said everything but has not ended, so smtpsh sits idle between commands),
    /// or less: until `releaseStdin` is set and 0.3 s more have passed.
    static func run(
        _ arguments: [String],
        stdin: String = "",
        holdStdinOpen: Double = 0,
        releaseStdin: ManagedFlag? = nil,
        environment: [String: String] = [:],
        timeout: Double = 20
    ) throws -> Result {
        _ = ignoreSIGPIPE
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for name in ["LANGUAGE", "LC_ALL", "LC_MESSAGES"] { env[name] = nil }
        env["LANG"] = "C.UTF-8"
        for (key, value) in environment { env[key] = value }

        let directory = FileManager.default.temporaryDirectory
        let outPath = directory.appendingPathComponent("smtpsh-hostile-\(UUID().uuidString).out").path
        let errPath = directory.appendingPathComponent("smtpsh-hostile-\(UUID().uuidString).err").path
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Descriptors other tests left inheritable (their servers' sockets) stay out of the child.
        if let closeFrom = closeFrom { _ = closeFrom(&actions, 3) }

        let rssPath = directory.appendingPathComponent("smtpsh-hostile-\(UUID().uuidString).rss").path
        defer { unlink(rssPath) }
        let timePath = "/usr/bin/time"
        let useTime = FileManager.default.isExecutableFile(atPath: timePath)
        let command = (useTime ? [timePath, "-q", "-f", "%M", "-o", rssPath] : []) + [BinaryRunner.binary.path] + arguments
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        close(fds[0])
        guard spawned == 0 else {
            close(fds[1])
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT)
        }

        // Standard input from its own thread: smtpsh reads it a line at a time.
        let exited = ManagedFlag()
        let writer = fds[1]
        let input = Array(stdin.utf8)
        let inputDone = DispatchSemaphore(value: 0)
        Thread {
            input.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let count = write(writer, raw.baseAddress! + offset, raw.count - offset)
                    if count <= 0 { break }
                    offset += count
                }
            }
            let until = Date().addingTimeInterval(holdStdinOpen)
            var released: Date?
            while Date() < until && !exited.value {
                if released == nil, releaseStdin?.value == true { released = Date() }
                if let released, Date().timeIntervalSince(released) > 0.3 { break }
                usleep(20_000)
            }
            close(writer)
            inputDone.signal()
        }.start()

        var status: Int32 = 0
        var usage = rusage()
        var hung = false
        var sampledPeak = 0
        let deadline = started.addingTimeInterval(timeout)
        while true {
            let done = wait4(pid, &status, WNOHANG, &usage)
            if done == pid { break }
            if done < 0 && errno != EINTR { break }
            if Date() >= deadline {
                hung = true
                kill(-pid, SIGKILL)
                while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
                break
            }
            if !useTime { sampledPeak = max(sampledPeak, highWaterMark(of: pid)) }
            usleep(5_000)
        }
        // Whatever is left of the group (smtpsh itself, if time was killed).
        kill(-pid, SIGKILL)
        let seconds = Date().timeIntervalSince(started)
        exited.value = true
        // A blocked write to a child that is gone fails at once; the thread then closes.
        _ = inputDone.wait(timeout: .now() + 5)
        let signalled = status & 0x7F
        let exitStatus = signalled == 0 ? (status >> 8) & 0xFF : 128 + signalled
        let timed = (try? String(contentsOfFile: rssPath, encoding: .utf8))?.split(separator: "\n").last.flatMap { Int($0) }
        let result = Result(
            status: exitStatus, hung: hung, seconds: seconds, peakRSSKilobytes: useTime ? timed ?? -1 : sampledPeak,
            stdoutData: FileManager.default.contents(atPath: outPath) ?? Data(),
            stderrData: FileManager.default.contents(atPath: errPath) ?? Data())
        // SMTPSH_HOSTILE_DUMP=DIR: each run's command line and output, for reading.
        if let dump = ProcessInfo.processInfo.environment["SMTPSH_HOSTILE_DUMP"] {
            let text = "$ smtpsh \(arguments.joined(separator: " "))\n# \(result.status), \(result.seconds) s, \(result.peakRSSMegabytes) MB\n"
                + (result.stdoutData.count > 120_000
                    ? result.stdout.prefix(100_000) + "\n[…]\n" + result.stdout.suffix(20_000) : result.stdout)
                + "\n# stderr:\n" + result.stderr
            try? text.write(toFile: "\(dump)/\(Int(started.timeIntervalSince1970 * 1000))-\(pid).txt", atomically: true, encoding: .utf8)
        }
        // SMTPSH_HOSTILE_LOG=FILE: one line per run (what, status, time, peak memory).
        if let log = ProcessInfo.processInfo.environment["SMTPSH_HOSTILE_LOG"], let handle = FileHandle(forWritingAtPath: log) {
            let what = (arguments.first == "send" || arguments.first == "replay" ? "" : "piped ") + arguments.joined(separator: " ").prefix(60)
            let line = "\(what)\tstatus \(result.status)\t" + String(format: "%.2f s\t%.1f MB\n", result.seconds, result.peakRSSMegabytes)
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        }
        return result
    }
}

extension Child {
    /// VmHWM of a running process, in kilobytes (0 if it cannot be read).
    static func highWaterMark(of pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}

// MARK: - Certificates for a practice server that presents a bad one

enum HostileCertificates {
    /// A self-signed certificate and its key, as the practice server takes them, and the
    /// certificate as a PEM file (to trust it with `--ca`).
    static func make(
        commonName: String,
        names: [String],
        addresses: [[UInt8]] = [],
        notBefore: Date = Date().addingTimeInterval(-3600),
        notAfter: Date = Date().addingTimeInterval(30 * 86400),
        in directory: URL
    ) throws -> (material: TLSMaterial, pem: URL) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName(commonName)
            OrganizationName("smtpsh hostile tests")
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) } + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: $0[...])) })
            },
            issuerPrivateKey: .init(key)
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let der = serializer.serializedBytes
        let material = TLSMaterial(
            certificateChain: [try NIOSSLCertificate(bytes: der, format: .der)],
            privateKey: try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der),
            summary: "hostile test certificate for \(commonName)")
        let pem = directory.appendingPathComponent("\(UUID().uuidString).pem")
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        try "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n".write(to: pem, atomically: true, encoding: .utf8)
        return (material, pem)
    }
}

/// Results filled in from several threads.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<T, any Error>) { lock.withLock { slots[index] = value } }

    var values: [Result<T, any Error>?] { lock.withLock { slots } }
}
