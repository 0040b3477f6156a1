#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCatalog
import SMTPCore
import SMTPClient

/// `smtpsh send HOST --from … --to …`: the standard session without a terminal, as swaks
/// does it, with every reply shown and explained; the exit status names the failed stage.
struct SendCommand {
    static let spec = CommandSpec(
        name: "send",
        usage: "smtpsh send [options] <host> [<port>] --from <address> --to <address>…",
        abstract: "help-send-abstract",
        discussion: ["help-send-discussion", "help-send-status"],
        examples: [
            "smtpsh send mail.example.org --from alice@example.org --to bob@example.org",
            "smtpsh send mail.example.org 587 --starttls --auth plain --user alice --password-file pw.txt \\",
            "    --from alice@example.org --to bob@example.org --header 'Subject: test' --body body.txt",
            "smtpsh send mx.example.org --from a@example.org --to b@example.org --quit-after rcpt",
        ],
        arguments: [
            ArgumentSpec(name: "host", help: "argument-host"),
            ArgumentSpec(name: "port", help: "argument-port"),
        ],
        options: ConnectionOptions.specs + [
            .value("from", "address", help: "option-send-from"),
            .value("to", "address", help: "option-send-to", repeatable: true),
            .value("subject", "text", help: "option-send-subject"),
            .value("header", "name: value", help: "option-send-header", repeatable: true),
            .value("body", "file|-", help: "option-send-body"),
            .value("data", "file|-", help: "option-send-data"),
            .value("attach", "file[;type=type]", help: "option-send-attach", repeatable: true),
            .value("raw-data", "file", help: "option-send-raw-data"),
            .value("xclient", "name=value …", help: "option-send-xclient", repeatable: true),
            .value("auth", "mechanism", help: "option-send-auth"),
            .value("mail-param", "parameter", help: "option-send-mail-param", repeatable: true),
            .value("rcpt-param", "parameter", help: "option-send-rcpt-param", repeatable: true),
            .value("quit-after", "stage", help: "option-send-quit-after"),
            .flag("pipeline", help: "option-send-pipeline"),
            .flag("bdat", help: "option-send-bdat"),
            .value("count", "number", help: "option-send-count"),
        ]
    )

    static let quitAfterStages = ["greeting", "ehlo", "tls", "xclient", "auth", "mail", "rcpt"]

    var address: ServerAddress
    var connection: ConnectionOptions
    var from: String
    var recipients: [String]
    var subject: String
    var headers: [String]
    var body: String?
    var data: String?
    var attachments: [MultipartMessage.Attachment]
    /// `--raw-data FILE`: sent after 354 exactly as it is (at most 16 MiB, ending the data itself).
    var rawData: [UInt8]?
    var xclient: XClientCommand?
    var mechanism: SASLMechanism?
    var mailParameters: [String]
    var recipientParameters: [String]
    var quitAfter: StandardSession.Stage?
    var pipelining: Bool
    var chunking: Bool
    var count: Int

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        connection = try ConnectionOptions(parsed)
        connection.compactEHLOUnlessFull()
        let host = parsed.positional(0), port = parsed.positional(1)
        guard let host else { throw UsageError(Words["usage-no-host"], command: "send") }
        address = try ConnectCommand.address(host, port: port, defaultPort: connection.defaultPort, command: "send")
        try ConnectCommand.check(address, mx: connection.mx != nil, family: connection.family, proxy: connection.proxy != nil, command: "send")
        guard let from = parsed.value("from") else { throw UsageError(Words["usage-send-from"], command: "send") }
        self.from = from
        recipients = parsed.all("to")
        guard !recipients.isEmpty else { throw UsageError(Words["usage-send-to"], command: "send") }
        for address in [from] + recipients where address.contains(where: { $0 == "<" || $0 == ">" || $0 == " " || $0 == "\r" || $0 == "\n" }) {
            throw UsageError(Words["usage-send-address", ["address": VisibleTextShort.of(address)]], command: "send")
        }
        subject = parsed.value("subject") ?? "smtpsh test"
        headers = parsed.all("header")
        for header in headers + [subject] where header.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw UsageError(Words["usage-send-header", ["header": VisibleTextShort.of(header)]], command: "send")
        }
        for header in headers where !header.contains(":") {
            throw UsageError(Words["usage-send-header", ["header": VisibleTextShort.of(header)]], command: "send")
        }
        body = parsed.value("body")
        data = parsed.value("data")
        if body != nil && data != nil { throw UsageError(Words["usage-send-body-and-data"], command: "send") }
        attachments = []
        for argument in parsed.all("attach") {
            guard let attachment = MultipartMessage.Attachment(argument: argument) else {
                throw UsageError(Words["usage-send-attach", ["text": VisibleTextShort.of(argument)]], command: "send")
            }
            guard access(attachment.path, R_OK) == 0 else {
                throw UsageError(Words["usage-cannot-read", ["file": VisibleTextShort.of(attachment.path)]], command: "send")
            }
            attachments.append(attachment)
        }
        if !attachments.isEmpty && data != nil { throw UsageError(Words["usage-send-attach-and-data"], command: "send") }
        for file in [body, data].compactMap({ $0 }) where file != "-" && access(file, R_OK) != 0 {
            throw UsageError(Words["usage-cannot-read", ["file": VisibleTextShort.of(file)]], command: "send")
        }
        if let name = parsed.value("auth") {
            guard let mechanism = SASLMechanism(name: name) else {
                throw UsageError(Words["usage-choice", [
                    "option": "--auth", "value": VisibleTextShort.of(name),
                    "choices": SASLMechanism.allCases.map { $0.rawValue.lowercased() }.joined(separator: ", "),
                ]], command: "send")
            }
            guard connection.credentials.user != nil else { throw UsageError(Words["usage-send-auth-user"], command: "send") }
            self.mechanism = mechanism
        }
        mailParameters = parsed.all("mail-param")
        recipientParameters = parsed.all("rcpt-param")
        if let stage = try parsed.choice("quit-after", from: Self.quitAfterStages) {
            quitAfter = StandardSession.Stage(rawValue: stage)
        }
        pipelining = parsed.flag("pipeline")
        chunking = parsed.flag("bdat")
        if chunking && !attachments.isEmpty { throw UsageError(Words["usage-send-attach-and-bdat"], command: "send") }
        if let file = parsed.value("raw-data") {
            for (option, given) in [("--data", data != nil), ("--body", body != nil), ("--attach", !attachments.isEmpty), ("--bdat", chunking)] where given {
                throw UsageError(Words["usage-send-raw-data-and", ["option": option]], command: "send")
            }
            rawData = try Self.rawData(of: file)
        }
        let xclientText = parsed.all("xclient").joined(separator: " ")
        if !xclientText.isEmpty {
            do throws(XClientCommand.ParseError) {
                xclient = try XClientCommand(parsing: xclientText)
            } catch {
                throw UsageError(Words["usage-send-xclient", ["text": VisibleTextShort.of(xclientText)]], command: "send")
            }
        }
        count = try parsed.integer("count", in: 1...1_000_000) ?? 1
    }

    func run() throws(ShellError) -> ExitStatus {
        var auth: StandardSession.Authentication?
        if let mechanism, let user = connection.credentials.user {
            guard let exchange = try connection.credentials.exchange(mechanism, user: user) else {
                throw ShellError("send-no-secret", status: .usage)
            }
            // Sent only if the gate finds the connection safe for it (or --auth-insecure).
            auth = .init(mechanism: mechanism, gate: CredentialGate(credentials: connection.credentials, confirm: nil)) { exchange }
        }
        var message: [String] = []
        var dataFile: String?
        if let data, !chunking {
            // Streamed after 354: any size, in bounded memory.
            dataFile = data
        } else if let data {
            message = try Self.lines(of: data)
        } else {
            let bodyLines = try body.map { file throws(ShellError) in try Self.lines(of: file) } ?? [Words["send-default-body"]]
            // The Message-ID's domain: this machine's name when it is fully qualified.
            let host = connection.ehlo ?? ConnectionOptions.hostName ?? ""
            let domain = AddressLiteral.isFullyQualified(host) ? host : "localhost.localdomain"
            message = StandardSession.message(from: from, to: recipients, subject: subject, headers: headers, body: bodyLines, domain: domain)
        }
        var standard = StandardSession(
            ehloName: connection.ehlo, startTLS: connection.startTLS, auth: auth, from: from, recipients: recipients,
            mailParameters: mailParameters, recipientParameters: recipientParameters, message: message, quitAfter: quitAfter,
            pipelining: pipelining, chunking: chunking, count: count)
        standard.dataFile = dataFile
        standard.attachments = attachments
        standard.rawData = rawData
        standard.xclient = xclient
        var options = connection
        options.startTLS = false  // the standard session does it, step by step
        var runner = SessionRunner(address: address, options: options)
        runner.forcePiped = true
        runner.standardSession = standard
        return runner.run()
    }

    /// `--raw-data FILE`: its bytes, at most 16 MiB, ending with the end of the data
    /// (CRLF "." CRLF): smtpsh adds nothing, and without it the server would wait for more.
    static func rawData(of file: String) throws(UsageError) -> [UInt8] {
        guard let data = BoundedRead.contents(of: file, limit: 16 << 20 + 1) else {
            throw UsageError(Words["usage-cannot-read", ["file": VisibleTextShort.of(file)]], command: "send")
        }
        guard data.count <= 16 << 20 else {
            throw UsageError(Words["usage-send-raw-data-too-big", ["file": VisibleTextShort.of(file)]], command: "send")
        }
        let bytes = Array(data)
        guard bytes.count >= 3, bytes.suffix(3) == [UInt8(ascii: "."), 13, 10], bytes.count == 3 || bytes.suffix(5).prefix(2) == [13, 10] else {
            throw UsageError(Words["usage-send-raw-data-end", ["file": VisibleTextShort.of(file)]], command: "send")
        }
        return bytes
    }

    /// A file's lines (or standard input's, for `-`), without their line ends; at most 64 MiB.
    static func lines(of file: String) throws(ShellError) -> [String] {
        guard let data = BoundedRead.contents(of: file, limit: 64 << 20 + 1), data.count <= 64 << 20 else {
            throw ShellError("usage-cannot-read", ["file": VisibleTextShort.of(file)], status: .usage)
        }
        return TextLines.split(Array(data))
    }
}
