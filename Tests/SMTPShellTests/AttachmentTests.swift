import Foundation
import Testing

@testable import SMTPShell

/// `smtpsh send --attach FILE` (issue 21, item 7): a MIME multipart message, checked as a
/// mail program reads it (Python's `email` package parses what the practice server stored),
/// with the files read while they are sent.
@Suite(.serialized) struct AttachmentTests {
    static func directory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-attach-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// What Python's email package reads in a stored message: one JSON line per part.
    static func parts(of message: URL) throws -> [[String: Any]] {
        let script = """
            import email, email.policy, hashlib, json, sys
            m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
            print(json.dumps({'type': m.get_content_type(), 'defects': len(m.defects)}))
            for part in m.iter_parts():
                data = part.get_payload(decode=True) or b''
                print(json.dumps({'type': part.get_content_type(), 'name': part.get_filename(), 'defects': len(part.defects),
                    'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data),
                    'encoding': part.get('Content-Transfer-Encoding'), 'text': data.decode('utf-8', 'replace')[:200]}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, message.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func sha256(_ file: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix { $0 != " " })
    }

    @Test func threeFilesReadBackByAMailProgram() async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(at: files) }
        // Random bytes of a length that is not a multiple of 57 (the last base64 line is short),
        // a text file with a name in UTF-8, and the same bytes with a type given.
        var bytes = [UInt8](repeating: 0, count: 300_001)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let blob = files.appendingPathComponent("blob.bin")
        try Data(bytes).write(to: blob)
        let text = files.appendingPathComponent("résumé 2026.txt")
        try Data("first line\n.a line that starts with a dot\n".utf8).write(to: text)
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run([
                "send", "--color", "never", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org",
                "--subject", "three files", "--attach", blob.path, "--attach", text.path, "--attach", blob.path + ";type=application/pdf",
            ], timeout: 60)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let stored = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil).filter { $0.pathExtension == "eml" }
            #expect(stored.count == 1)
            guard let message = stored.first else { return }
            let parts = try Self.parts(of: message)
            #expect(parts.count == 5, "\(parts)")
            guard parts.count == 5 else { return }
            #expect(parts[0]["type"] as? String == "multipart/mixed" && parts[0]["defects"] as? Int == 0)
            #expect(parts[1]["type"] as? String == "text/plain")
            #expect((parts[1]["text"] as? String)?.contains("This is a test message sent by smtpsh.") == true)
            let digest = try Self.sha256(blob)
            #expect(parts[2]["type"] as? String == "application/octet-stream" && parts[2]["name"] as? String == "blob.bin")
            #expect(parts[2]["sha256"] as? String == digest && parts[2]["size"] as? Int == 300_001)
            #expect(parts[3]["type"] as? String == "text/plain" && parts[3]["name"] as? String == "résumé 2026.txt")
            #expect(parts[3]["text"] as? String == "first line\n.a line that starts with a dot\n")
            #expect(parts[4]["type"] as? String == "application/pdf" && parts[4]["sha256"] as? String == digest)
            for part in parts.dropFirst(2) {
                #expect(part["encoding"] as? String == "base64" && part["defects"] as? Int == 0, "\(part)")
            }
        }
    }

    /// A 32 MiB file (44 MB of base64, under the practice server's 50 MiB limit) goes out read
    /// 57 KiB at a time: smtpsh's peak memory stays far below
    /// the file's size.
    @Test func aLargeFileIsStreamedInBoundedMemory() async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(at: files) }
        let large = files.appendingPathComponent("large.bin")
        FileManager.default.createFile(atPath: large.path, contents: nil)
        let handle = try FileHandle(forWritingTo: large)
        let block = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        for _ in 0..<32 { handle.write(block) }
        try handle.close()
        // The practice server accepts the message without storing it.
        try await PipedSessionTests.withServer({ $0.messageDirectory = nil }) { port, _ in
            let result = try Child.run(
                ["send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--attach", large.path],
                timeout: 120)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("more lines of the message"), "\(result)")
            HostileServerTests.expectPeakRSS(result, below: 48, "sending a 32 MiB attachment")
        }
    }

    @Test(arguments: [
        (["--attach", "/nonexistent/file.pdf"], "cannot read"),
        (["--attach", "report.bin;type=pdf"], "--attach report.bin;type=pdf"),
        (["--attach", ";type=application/pdf"], "--attach"),
        (["--attach", "/etc/hostname", "--data", "/etc/hostname"], "--attach and --data cannot be used together"),
        (["--attach", "/etc/hostname", "--bdat"], "--attach and --bdat cannot be used together"),
    ])
    func aMistakeIsSaidBeforeConnecting(arguments: [String], message: String) throws {
        let result = try BinaryRunner.run(["send", "127.0.0.1", "9", "--from", "a@example.org", "--to", "b@example.org"] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func namesAndTypes() {
        #expect(MultipartMessage.mediaType(forName: "Report.PDF") == "application/pdf")
        #expect(MultipartMessage.mediaType(forName: "archive.tar.gz") == "application/gzip")
        #expect(MultipartMessage.mediaType(forName: "README") == "application/octet-stream")
        #expect(MultipartMessage.mediaType(forName: ".profile") == "application/octet-stream")
        #expect(MultipartMessage.filenameParameter("a b.txt") == "filename=\"a b.txt\"")
        #expect(MultipartMessage.filenameParameter("résumé.pdf") == "filename*=utf-8''r%C3%A9sum%C3%A9.pdf")
        #expect(MultipartMessage.filenameParameter("say \"hi\".txt") == "filename*=utf-8''say%20%22hi%22.txt")
        let given = MultipartMessage.Attachment(argument: "dir/x;y.bin;type=image/png")
        #expect(given?.path == "dir/x;y.bin" && given?.name == "x;y.bin" && given?.type == "image/png")
        #expect(MultipartMessage.Attachment(argument: "x.bin;type=image/png;charset=x") == nil)
        #expect(MultipartMessage.Attachment(argument: "-") == nil)
        #expect(MultipartMessage.Attachment(argument: "dir/") == nil)
    }

    /// The pieces are the whole message: base64 lines of 76 characters at most, the last one
    /// short, a read that stops before a multiple of 57 bytes carried over to the next line.
    @Test func piecesMakeValidBase64Lines() throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(at: files) }
        let file = files.appendingPathComponent("data.bin")
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(bytes).write(to: file)
        let message = MultipartMessage(
            message: ["Subject: x", "Content-Type: text/plain; charset=utf-8", "", "text"],
            attachments: [MultipartMessage.Attachment(argument: file.path)!], boundary: "b0")
        var pieces = MultipartMessage.Pieces(message)
        var all: [UInt8] = []
        while let piece = pieces.nextPiece() { all += piece }
        let lines = String(decoding: all, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.prefix(9) == ["Subject: x", "Content-Type: multipart/mixed; boundary=\"b0\"", "", "This is a MIME message.", "", "--b0", "Content-Type: text/plain; charset=utf-8", "", "text"])
        guard let start = lines.firstIndex(of: "Content-Transfer-Encoding: base64"), let end = lines.firstIndex(of: "--b0--") else {
            Issue.record("no part")
            return
        }
        let encoded = Array(lines[(start + 2)..<end])
        #expect(encoded.allSatisfy { $0.count <= 76 } && encoded.dropLast().allSatisfy { $0.count == 76 })
        #expect(Data(base64Encoded: encoded.joined()) == Data(bytes))
    }
}
