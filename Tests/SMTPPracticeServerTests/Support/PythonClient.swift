import Foundation

/// What `Clients/smtplib_client.py` reports: every reply smtplib received.
struct SMTPLibReport: Decodable, CustomStringConvertible {
    struct Reply: Decodable, Equatable, CustomStringConvertible {
        var code: Int
        var text: String
        var description: String { "\(code) \(text)" }
    }

    var greeting: Reply?
    var ehlo: Reply?
    var features: [String]?
    var starttls: Reply?
    var tls_version: String?
    var ehlo_after_tls: Reply?
    var features_after_tls: [String]?
    var auth: Reply?
    var mail: Reply?
    var rcpt: [Reply]
    var data: Reply?
    var quit: Reply?
    var error: String?

    var description: String {
        [
            "greeting: \(greeting?.description ?? "-")", "starttls: \(starttls?.description ?? "-")",
            "auth: \(auth?.description ?? "-")", "mail: \(mail?.description ?? "-")",
            "rcpt: \(rcpt.map(\.description))", "data: \(data?.description ?? "-")",
            "quit: \(quit?.description ?? "-")", "error: \(error ?? "-")",
        ].joined(separator: "\n")
    }

    /// The message id in `250 2.0.0 OK: message N accepted`.
    var acceptedID: Int? {
        guard let text = data?.text, text.hasPrefix("2.0.0 OK: message "), text.hasSuffix(" accepted") else {
            return nil
        }
        return Int(text.dropFirst("2.0.0 OK: message ".count).dropLast(" accepted".count))
    }
}

enum PythonClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the smtplib client with `arguments` (after `--port` and `--message`) and decodes its report.
    static func run(port: Int, message: [UInt8], arguments: [String], timeout: Double = 30) throws -> SMTPLibReport {
        let file = try TestFiles.temporary(message, suffix: ".eml")
        defer { try? FileManager.default.removeItem(at: file) }
        let script = TestFiles.clients.appendingPathComponent("smtplib_client.py").path
        let result = try ExternalProcess.run(
            "python3",
            [script, "--port", String(port), "--message", file.path] + arguments,
            timeout: timeout
        )
        guard result.status == 0, !result.timedOut else {
            throw Failure(description: "smtplib_client.py failed: \(result)")
        }
        do {
            return try JSONDecoder().decode(SMTPLibReport.self, from: Data(result.stdout.utf8))
        } catch {
            throw Failure(description: "smtplib_client.py printed no report (\(error)): \(result)")
        }
    }
}
