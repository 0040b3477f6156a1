import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `smtpsh-bench client`: smtpsh against swaks and curl, in the same run, against the same
/// practice server; and smtpsh's peak memory while it receives a 100,000-line reply.
/// With `--baseline PATH` (an smtpsh built from an earlier commit), that binary's one
/// transaction, `send` and `explain 550` are timed in the same round robin, so that "no
/// slower than before" is a comparison within one run, not against a figure from another day.
enum ClientBenchmark {
    struct Tool {
        var name: String
        var command: [String]
        var stdin: String
    }

    static func run(arguments: [String]) throws {
        let runs = try option("--runs", in: arguments, default: 15)
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let smtpsh = directory.appendingPathComponent("smtpsh").path
        guard FileManager.default.isExecutableFile(atPath: smtpsh) else {
            throw BenchmarkError(description: "build smtpsh first: swift build -c release --product smtpsh")
        }
        let server = try Spawned(smtpsh, ["serve", "--port", "0", "--quiet"])
        defer { server.stop() }
        let port = try server.waitForPort()
        print("client: one whole transaction (EHLO, MAIL, RCPT, DATA, QUIT) against `smtpsh serve` on 127.0.0.1:\(port), \(runs) runs each, median")
        let message = "Subject: bench\r\n\r\nhello\r\n"
        let messageFile = NSTemporaryDirectory() + "smtpsh-bench-message.txt"
        try message.write(toFile: messageFile, atomically: true, encoding: .utf8)
        let script = "EHLO bench.example\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\nSubject: bench\n\nhello\n.\nQUIT\n"
        // smtpsh as a user runs it (every reply explained), and terse as swaks and curl are.
        let explain550 = Tool(name: "smtpsh explain 550", command: [smtpsh, "explain", "550"], stdin: "")
        var tools = [
            Tool(name: "smtpsh", command: [smtpsh, "127.0.0.1", String(port), "--color", "never"], stdin: script),
            Tool(
                name: "smtpsh --no-explain", command: [smtpsh, "127.0.0.1", String(port), "--color", "never", "--no-explain"],
                stdin: script),
            // The same message with `smtpsh send` (issue 7: at least 5x faster than swaks).
            Tool(
                name: "smtpsh send",
                command: [smtpsh, "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--color", "never"],
                stdin: ""),
        ]
        if let swaks = which("swaks") {
            tools.append(Tool(name: "swaks", command: [swaks, "--server", "127.0.0.1:\(port)", "--from", "a@example.org", "--to", "b@example.org", "--body", "hello", "--silent", "2"], stdin: ""))
        } else {
            print("  swaks not found (apt-get install swaks): skipped")
        }
        if let curl = which("curl") {
            tools.append(Tool(name: "curl", command: [curl, "-s", "smtp://127.0.0.1:\(port)", "--mail-from", "a@example.org", "--mail-rcpt", "b@example.org", "--upload-file", messageFile], stdin: ""))
        }
        tools.append(explain550)
        let baseline = try pathOption("--baseline", in: arguments)
        if let baseline {
            guard FileManager.default.isExecutableFile(atPath: baseline) else {
                throw BenchmarkError(description: "--baseline: \(baseline) is not an executable")
            }
            tools.append(Tool(name: "baseline smtpsh", command: [baseline, "127.0.0.1", String(port), "--color", "never"], stdin: script))
            tools.append(
                Tool(
                    name: "baseline smtpsh send",
                    command: [baseline, "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--color", "never"],
                    stdin: ""))
            tools.append(Tool(name: "baseline explain 550", command: [baseline, "explain", "550"], stdin: ""))
        }
        // Round robin, so that a slower moment of the machine weighs on every tool alike.
        var times: [String: [Double]] = [:]
        for _ in 0..<runs {
            for tool in tools {
                let (seconds, status) = try timeProcess(tool.command, stdin: tool.stdin)
                guard status == 0 else { throw BenchmarkError(description: "\(tool.name) exited \(status)") }
                times[tool.name, default: []].append(seconds * 1000)
            }
        }
        var medians: [String: Double] = [:]
        for tool in tools {
            let measured = times[tool.name] ?? []
            medians[tool.name] = median(measured)
            let label = tool.name + String(repeating: " ", count: max(22 - tool.name.count, 1))
            print("  " + label + String(format: "%8.1f ms  (min %.1f, max %.1f)", median(measured), measured.min()!, measured.max()!))
        }
        for name in ["smtpsh", "smtpsh --no-explain", "smtpsh send"] {
            guard let ours = medians[name] else { continue }
            if let swaks = medians["swaks"] { print(String(format: "  %@ is %.1fx faster than swaks (target: at least 5x)", name as NSString, swaks / ours)) }
            if let curl = medians["curl"] { print(String(format: "  %@ takes %.2fx curl's time (target: at most 1.00)", name as NSString, ours / curl)) }
        }
        if baseline != nil {
            for (name, before) in [("smtpsh", "baseline smtpsh"), ("smtpsh send", "baseline smtpsh send"), ("smtpsh explain 550", "baseline explain 550")] {
                guard let ours = medians[name], let theirs = medians[before] else { continue }
                print(String(format: "  %@ takes %.2fx the baseline's time (%.1f ms against %.1f ms)", name as NSString, ours / theirs, ours, theirs))
            }
        }

        // Start to the greeting shown.
        var greeting: [Double] = []
        for _ in 0..<runs {
            greeting.append(try timeToGreeting(smtpsh, port: port) * 1000)
        }
        print(String(format: "  start to greeting shown: smtpsh %.1f ms median", median(greeting)))
        if let swaks = which("swaks") {
            var times: [Double] = []
            for _ in 0..<runs {
                times.append(try timeProcess([swaks, "--server", "127.0.0.1:\(port)", "--quit-after", "CONNECT", "--silent", "2"], stdin: "").0 * 1000)
            }
            print(String(format: "  start to greeting: swaks --quit-after CONNECT %.1f ms median", median(times)))
        }

        // Peak memory with a 100,000-line reply.
        let lines = try option("--reply-lines", in: arguments, default: 100_000)
        let rss = try peakMemoryForLongReply(smtpsh, lines: lines)
        print(String(format: "  peak RSS while receiving a %d-line reply: %.1f MB", lines, Double(rss) / 1024))
    }

    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func timeProcess(_ command: [String], stdin: String) throws -> (Double, Int32) {
        let result = try Spawn.run(command, stdin: Array(stdin.utf8))
        return (result.seconds, result.status)
    }

    /// Time from starting smtpsh until its output shows the 220 greeting.
    static func timeToGreeting(_ smtpsh: String, port: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: smtpsh)
        process.arguments = ["127.0.0.1", String(port), "--color", "never"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        var seen = Data()
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
            if String(decoding: seen, as: UTF8.self).contains("<-  220") { break }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        return elapsed
    }

    /// Runs smtpsh against a server that sends a reply of `lines` lines; returns its peak RSS in kB.
    static func peakMemoryForLongReply(_ smtpsh: String, lines: Int) throws -> Int {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 1)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            var block = ""
            for index in 0..<1000 { block += "220-continuation line \(index) of a very long greeting\r\n" }
            let bytes = Array(block.utf8)
            for _ in 0..<(lines / 1000) {
                _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            let end = Array("220 ready\r\n".utf8)
            _ = end.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var buffer = [UInt8](repeating: 0, count: 512)
            _ = recv(client, &buffer, buffer.count, 0)
            let bye = Array("221 bye\r\n".utf8)
            _ = bye.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
        }
        thread.start()
        defer { close(listener) }
        let result = try Spawn.run([smtpsh, "127.0.0.1", String(port), "--color", "never"], stdin: Array("QUIT\n".utf8))
        guard result.status == 0 else { throw BenchmarkError(description: "smtpsh exited \(result.status) on the long reply") }
        return result.maxRSSKilobytes
    }
}

/// posix_spawn and wait4: exact wall time and the child's peak memory (Foundation's Process
/// polls for exit, which adds tens of milliseconds).
enum Spawn {
    struct Result {
        var seconds: Double
        var status: Int32
        var maxRSSKilobytes: Int
    }

    static func run(_ command: [String], stdin: [UInt8]) throws -> Result {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw BenchmarkError(description: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        close(pipeFDs[0])
        guard spawned == 0 else {
            close(pipeFDs[1])
            throw BenchmarkError(description: "cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        _ = stdin.withUnsafeBytes { write(pipeFDs[1], $0.baseAddress, $0.count) }
        close(pipeFDs[1])
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(seconds: seconds, status: exitStatus, maxRSSKilobytes: usage.ru_maxrss)
    }
}

/// A child process whose output is scanned for the port it listens on.
final class Spawned {
    let process = Process()
    let output = Pipe()

    init(_ path: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func waitForPort() throws -> Int {
        var seen = ""
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let text = seen[range]
                if let port = Int(text.split(separator: ":").last!) { return port }
            }
        }
        throw BenchmarkError(description: "the server did not say its port: \(seen)")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
