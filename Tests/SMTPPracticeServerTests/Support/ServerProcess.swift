import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The built `smtpsh serve`, run as a process of its own on a free loopback port, storing
/// messages in a temporary directory.
///
/// Memory is measured on this process, not on the test runner: every test target runs in one
/// process, and tests of other targets running beside these would move its resident size.
final class ServerProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let process: Process
    let port: Int
    let directory: URL
    private let output: URL

    var pid: pid_t { process.processIdentifier }

    /// Starts `smtpsh serve --port 0 --quiet --maildir DIR` plus `arguments`, and waits
    /// (10 s at most) for the banner that names its port.
    init(_ arguments: [String] = []) throws {
        let binary = Self.productsDirectory.appendingPathComponent("smtpsh")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw Failure(description: "\(binary.path) is not built (swift build --build-tests builds it)")
        }
        let temporary = FileManager.default.temporaryDirectory
        directory = temporary.appendingPathComponent("smtpsh-serve-test-\(UUID().uuidString)")
        output = temporary.appendingPathComponent("smtpsh-serve-test-\(UUID().uuidString).out")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--port", "0", "--quiet", "--maildir", directory.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        for name in ["LANGUAGE", "LC_ALL", "LC_MESSAGES"] { environment[name] = nil }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()

        // The banner's first line: "smtpsh practice server on 127.0.0.1:PORT (SMTP, STARTTLS)".
        let deadline = Date().addingTimeInterval(10)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, text.contains("\n"),
                let address = line.split(separator: " ").first(where: { $0.hasPrefix("127.0.0.1:") })
            {
                found = Int(address.dropFirst("127.0.0.1:".count))
            }
            if found == nil { usleep(10_000) }
        }
        guard let port = found else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw Failure(description: "smtpsh serve did not say its port within 10 s; it printed:\n\(text)")
        }
        self.port = port
    }

    /// What the server printed so far (standard output and error).
    func printed() -> String {
        (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Waits (10 s at most) until the server has printed `text`; whether it did.
    func waitFor(_ text: String, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if printed().contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its files.
    func stop() {
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(pid, SIGKILL) }
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
        try? FileManager.default.removeItem(at: output)
    }

    deinit { stop() }

    /// The stored messages, oldest first.
    func storedMessages() throws -> [StoredMessage] {
        try StoredMessage.all(in: directory)
    }

    /// Resident set size of the server process, in octets.
    func resident() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Peak resident set size (VmHWM) of the server process, in octets.
    func peak() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
                .flatMap { Int($0) }
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    /// Resets the server's VmHWM to its current resident size (Linux 4.0 and later); false
    /// when not allowed.
    func resetPeak() -> Bool {
        let fd = open("/proc/\(pid)/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// The directory holding the built products (the test bundle sits beside them).
    static var productsDirectory: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On macOS the test bundle is a directory: .../debug/smtpshPackageTests.xctest/Contents/MacOS/…
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("smtpsh").path),
            directory.pathComponents.count > 1
        {
            directory.deleteLastPathComponent()
        }
        return directory
    }
}
