import SMTPCore

/// `smtpsh send --attach FILE`: the message as MIME `multipart/mixed` (RFC 2046, 5.1.3): its
/// text first, then each file in base64 (RFC 2045, 6.8) with its type and name (RFC 2183,
/// and RFC 2231 for a name that is not plain ASCII). Produced a piece at a time
/// (``Pieces``): a file is read 57 KiB at a time while it is sent, so a large one costs no
/// more memory than a small one.
///
/// ```
/// Content-Type: multipart/mixed; boundary="smtpsh-…"
///
/// --smtpsh-…
/// Content-Type: text/plain; charset=utf-8
///
/// the body
/// --smtpsh-…
/// Content-Type: application/pdf
/// Content-Disposition: attachment; filename="report.pdf"
/// Content-Transfer-Encoding: base64
///
/// JVBERi0xLjcK…
/// --smtpsh-…--
/// ```
struct MultipartMessage {
    /// A file to attach: its path, its media type, and the name the recipient sees.
    struct Attachment: Hashable {
        var path: String
        var type: String
        var name: String

        /// `FILE` (the type guessed from its name) or `FILE;type=TYPE`.
        init?(argument: String) {
            var path = argument
            var type: String?
            let bytes = Array(argument.utf8), marker = Array(";type=".utf8)
            if let start = stride(from: bytes.count - marker.count, through: 0, by: -1).first(where: {
                Array(bytes[$0..<$0 + marker.count]) == marker
            }) {
                path = String(decoding: bytes[..<start], as: UTF8.self)
                type = String(decoding: bytes[(start + marker.count)...], as: UTF8.self).trimmingSpaces
                guard let given = type, MultipartMessage.isMediaType(given) else { return nil }
            }
            guard !path.isEmpty, path != "-" else { return nil }
            self.path = path
            self.name = String(path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path))
            self.type = type ?? MultipartMessage.mediaType(forName: name)
            guard !name.isEmpty else { return nil }
        }
    }

    /// The message as `StandardSession.message` makes it (headers, a blank line, the text).
    let message: [String]
    let attachments: [Attachment]
    let boundary: String

    init(message: [String], attachments: [Attachment], boundary: String? = nil) {
        self.message = message
        self.attachments = attachments
        var made = boundary ?? Self.randomBoundary()
        // A boundary must not occur in the text it delimits (base64 has no '-').
        while message.contains(where: { $0.contains(made) }) { made = Self.randomBoundary() }
        self.boundary = made
    }

    static func randomBoundary() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "smtpsh-" + String((0..<24).map { _ in letters.randomElement()! })
    }

    /// The message's header lines with the multipart type, then the text as the first part.
    var head: [String] {
        let end = message.firstIndex(of: "") ?? message.endIndex
        var headers: [String] = []
        var textHeaders: [String] = []
        for line in message[..<end] {
            let name = line.prefix { $0 != ":" }.lowercased()
            // The text's own type and encoding go with its part.
            if name == "content-type" || name == "content-transfer-encoding" {
                textHeaders.append(line)
            } else {
                headers.append(line)
            }
        }
        if textHeaders.isEmpty { textHeaders = ["Content-Type: text/plain; charset=utf-8"] }
        let body = end < message.endIndex ? Array(message[message.index(after: end)...]) : []
        return headers + ["Content-Type: multipart/mixed; boundary=\"\(boundary)\"", "", "This is a MIME message.", "", "--" + boundary]
            + textHeaders + [""] + body
    }

    /// The headers of one attachment's part.
    func partHead(_ attachment: Attachment) -> [String] {
        ["--" + boundary, "Content-Type: \(attachment.type)", "Content-Disposition: attachment; " + Self.filenameParameter(attachment.name),
         "Content-Transfer-Encoding: base64", ""]
    }

    /// `filename="report.pdf"`; a name with other than printable ASCII, or with a quote or a
    /// backslash, as RFC 2231 writes it: `filename*=utf-8''r%C3%A9sum%C3%A9.pdf`.
    static func filenameParameter(_ name: String) -> String {
        if name.utf8.allSatisfy({ (0x20..<0x7F).contains($0) && $0 != 0x22 && $0 != 0x5C }) {
            return "filename=\"\(name)\""
        }
        // RFC 2231's attribute characters stand as they are.
        return "filename*=utf-8''" + PercentEncoding.encode(name, keeping: "!#$&+-.^_`|~")
    }

    /// `type/subtype`, with no parameters or spaces (what `;type=` accepts).
    static func isMediaType(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let token = { (part: Substring) in
            !part.isEmpty && part.utf8.allSatisfy { (0x21..<0x7F).contains($0) && !"()<>@,;:\\\"/[]?=".utf8.contains($0) }
        }
        return parts.count == 2 && token(parts[0]) && token(parts[1])
    }

    /// The media type of a file, by the end of its name; `application/octet-stream` when it
    /// is not known.
    static func mediaType(forName name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "application/octet-stream" }
        return types[name[name.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }

    static let types: [String: String] = [
        "txt": "text/plain", "log": "text/plain", "csv": "text/csv", "html": "text/html", "htm": "text/html",
        "xml": "application/xml", "json": "application/json", "ics": "text/calendar", "eml": "message/rfc822",
        "pdf": "application/pdf", "zip": "application/zip", "gz": "application/gzip", "tar": "application/x-tar",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml",
        "webp": "image/webp", "mp3": "audio/mpeg", "wav": "audio/wav", "mp4": "video/mp4",
        "doc": "application/msword", "xls": "application/vnd.ms-excel",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text", "exe": "application/octet-stream",
    ]

    /// The message a piece at a time: the head, then each file's part, base64 in lines of
    /// 76 characters, then the closing boundary. A file that cannot be opened or read ends
    /// the pieces early (``failed`` names it): the caller stops the message.
    struct Pieces {
        let message: MultipartMessage
        private var next = 0
        private var file: InputFile?
        /// Bytes read and not yet encoded: a line takes 57 (a short read may leave fewer).
        private var carry: [UInt8] = []
        /// The file that could not be read, if one could not.
        private(set) var failed: String?
        /// 57 bytes make one line of 76 base64 characters; 1,024 lines per read.
        static let readSize = 57 * 1024

        init(_ message: MultipartMessage) {
            self.message = message
        }

        mutating func nextPiece() -> [UInt8]? {
            if next == 0 {
                next = 1
                return Self.lines(message.head)
            }
            let index = next - 1
            if let open = file {
                guard let bytes = open.read(upTo: Self.readSize) else {
                    open.close()
                    file = nil
                    failed = message.attachments[index].path
                    return nil
                }
                if bytes.isEmpty {
                    open.close()
                    file = nil
                    next += 1
                    let rest = carry
                    carry = []
                    return rest.isEmpty ? nextPiece() : Self.base64Lines(rest)
                }
                carry += bytes
                let whole = carry.count / 57 * 57
                guard whole > 0 else { return [] }
                defer { carry.removeFirst(whole) }
                return Self.base64Lines(Array(carry[..<whole]))
            }
            guard index < message.attachments.count else {
                if index == message.attachments.count {
                    next += 1
                    return Self.lines(["--" + message.boundary + "--"])
                }
                return nil
            }
            guard let opened = InputFile(path: message.attachments[index].path) else {
                failed = message.attachments[index].path
                return nil
            }
            file = opened
            return Self.lines(message.partHead(message.attachments[index]))
        }

        static func lines(_ lines: [String]) -> [UInt8] {
            var bytes: [UInt8] = []
            for line in lines {
                bytes += line.utf8
                bytes += [13, 10]
            }
            return bytes
        }

        /// Base64 in lines of at most 76 characters, each ended by CRLF.
        static func base64Lines(_ bytes: [UInt8]) -> [UInt8] {
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count / 57 * 78 + 80)
            var start = 0
            while start < bytes.count {
                let end = min(start + 57, bytes.count)
                output += Base64.encode(bytes[start..<end]).utf8
                output += [13, 10]
                start = end
            }
            return output
        }
    }
}
