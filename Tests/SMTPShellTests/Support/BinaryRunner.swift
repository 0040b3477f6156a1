import Foundation

/// Runs the built `smtpsh` binary, as a user would, and collects what it printed.
struct BinaryRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
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

    static var binary: URL { productsDirectory.appendingPathComponent("smtpsh") }

    static func run(
        _ arguments: [String],
        stdin: Data = Data(),
        environment: [String: String] = [:],
        timeout: TimeInterval = 30,
        executable: URL? = nil
    ) throws -> Result {
        try run(arguments, paced: [(stdin, 0)], environment: environment, timeout: timeout, executable: executable)
    }

    /// As ``run(_:stdin:environment:timeout:)``, writing standard input in pieces, each
    /// followed by a pause (seconds): a learner who stops typing for a while.
    static func run(
        _ arguments: [String],
        paced pieces: [(Data, Double)],
        environment: [String: String] = [:],
        timeout: TimeInterval = 30,
        executable: URL? = nil
    ) throws -> Result {
        let process = Process()
        // `executable`: another program that starts smtpsh (e.g. `unshare` for a host name).
        process.executableURL = executable ?? binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        // English unless a test asks for another language (the runner's locale must not matter).
        for name in ["LANGUAGE", "LC_ALL", "LC_MESSAGES"] { env[name] = nil }
        env["LANG"] = "C.UTF-8"
        // `smtpsh learn` keeps no progress between tests unless a test asks for it.
        env["SMTPSH_PROGRESS"] = ""
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let input = Pipe()
        // Files, not pipes, for the output: nothing can block however much the binary prints.
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("smtpsh-test-\(UUID().uuidString).out")
        let errURL = directory.appendingPathComponent("smtpsh-test-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let output = try FileHandle(forWritingTo: outURL)
        let error = try FileHandle(forWritingTo: errURL)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        try? output.close()
        try? error.close()
        for (piece, pause) in pieces {
            input.fileHandleForWriting.write(piece)
            if pause > 0 { usleep(useconds_t(pause * 1_000_000)) }
        }
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
        let outData = (try? Data(contentsOf: outURL)) ?? Data()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }
}
