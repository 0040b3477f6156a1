import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Real proxies for tests, from Debian: `microsocks` (SOCKS5, optionally with a user and
/// password) and `tinyproxy` (HTTP CONNECT, allowed to one port only), each on a free
/// loopback port with its files under `.build/peers/`, ended by ``stop()``.
final class ProxyPeer {
    static var microsocksAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/microsocks") }
    static var tinyproxyAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/tinyproxy") || FileManager.default.isExecutableFile(atPath: "/usr/sbin/tinyproxy")
    }
    /// In CI (`CI` set) the tests run and fail without their peer, instead of being skipped.
    static var mustRunSOCKS: Bool { microsocksAvailable || ProcessInfo.processInfo.environment["CI"] != nil }
    static var mustRunHTTP: Bool { tinyproxyAvailable && getuid() == 0 || ProcessInfo.processInfo.environment["CI"] != nil }

    let port: Int
    let directory: URL
    private let process = Process()

    private init(executable: String, arguments: [String], port: Int, directory: URL) throws {
        self.port = port
        self.directory = directory
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard PeerPorts.waitForListener(port: port, timeout: 10), process.isRunning else {
            stop()
            throw PeerError("\(executable) did not start")
        }
    }

    /// microsocks on a free port; with `user`, only that user and password are let through.
    static func socks(user: String? = nil, password: String? = nil) throws -> ProxyPeer {
        guard microsocksAvailable else { throw PeerError("microsocks is not installed (Scripts/setup --test)") }
        let port = try PeerPorts.free()
        var arguments = ["-i", "127.0.0.1", "-p", String(port)]
        if let user, let password { arguments += ["-u", user, "-P", password] }
        let directory = DovecotLMTPServer.packageDirectory.appendingPathComponent(".build/peers/microsocks-\(UUID().uuidString.prefix(8))")
        return try ProxyPeer(executable: "/usr/bin/microsocks", arguments: arguments, port: port, directory: directory)
    }

    /// tinyproxy on a free port, allowing CONNECT to `connectPort` only.
    static func http(connectPort: Int) throws -> ProxyPeer {
        guard tinyproxyAvailable else { throw PeerError("tinyproxy is not installed (Scripts/setup --test)") }
        let port = try PeerPorts.free()
        let directory = DovecotLMTPServer.packageDirectory.appendingPathComponent(".build/peers/tinyproxy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // As root it runs as nobody, who writes its log and pid there.
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "nobody"], ofItemAtPath: directory.path) }
        let configuration = """
            \(getuid() == 0 ? "User nobody\nGroup nogroup" : "")
            Port \(port)
            Listen 127.0.0.1
            Timeout 30
            Allow 127.0.0.1
            ConnectPort \(connectPort)
            LogLevel Info
            PidFile "\(directory.path)/tinyproxy.pid"
            LogFile "\(directory.path)/tinyproxy.log"
            MaxClients 10

            """
        let file = directory.appendingPathComponent("tinyproxy.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        let executable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tinyproxy") ? "/usr/bin/tinyproxy" : "/usr/sbin/tinyproxy"
        return try ProxyPeer(executable: executable, arguments: ["-d", "-c", file.path], port: port, directory: directory)
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("tinyproxy.log"), encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            // It inherits the test runner's blocked signals: SIGKILL.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

extension PeerPorts {
    /// Connects to 127.0.0.1:`port` until something accepts, or the time is up.
    static func waitForListener(port: Int, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let fd = connected(port: port) {
                close(fd)
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
