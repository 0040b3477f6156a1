import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs another program (a real SMTP client: Python's smtplib, swaks) with a time limit and
/// collects what it printed.
enum ExternalProcess {
    struct Result: CustomStringConvertible {
        var status: Int32
        var timedOut: Bool
        var stdout: String
        var stderr: String
        var seconds: Double

        var description: String {
            "exit \(status)\(timedOut ? " (killed: timed out)" : ""), \(String(format: "%.2f", seconds)) s\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
        }
    }

    struct NotFound: Error, CustomStringConvertible {
        var description: String
    }

    /// The full path of `name` on PATH, if it is there.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func run(_ name: String, _ arguments: [String], timeout: Double = 30) throws -> Result {
        guard let executable = find(name) else { throw NotFound(description: "\(name) is not on PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONIOENCODING"] = "utf-8"
        process.environment = environment
        // Files, not pipes: nothing blocks however much the program prints.
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("smtpsh-ext-\(UUID().uuidString).out")
        let errURL = directory.appendingPathComponent("smtpsh-ext-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let output = try FileHandle(forWritingTo: outURL)
        let error = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        let start = Date()
        try process.run()
        try? output.close()
        try? error.close()
        let deadline = start.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        let timedOut = process.isRunning
        if timedOut {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            timedOut: timedOut,
            stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self),
            seconds: Date().timeIntervalSince(start)
        )
    }
}
