import Foundation
import SMTPCatalog
import Testing

/// `smtpsh explain`, through the built binary.
@Suite struct ExplainCommandTests {
    /// No locale from the machine running the tests: each test says what it wants.
    static let neutral = ["LC_ALL": "", "LC_MESSAGES": "", "LANG": "C", "COLUMNS": "100"]

    func run(_ arguments: [String], environment: [String: String] = [:], stdin: String = "") throws
        -> BinaryRunner.Result
    {
        try BinaryRunner.run(
            ["explain"] + arguments,
            stdin: Data(stdin.utf8),
            environment: Self.neutral.merging(environment) { $1 }
        )
    }

    @Test func aBasicCodeInEnglish() throws {
        let result = try run(["550"])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("550  Mailbox unavailable: unknown address"))
        #expect(lines.contains { $0.hasPrefix("5yz  Permanent failure") })
        #expect(lines.contains { $0.hasPrefix("hint: On RCPT, check the address") })
    }

    @Test func inFrenchWithLang() throws {
        let result = try run(["550", "--lang", "fr"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("550  Boîte aux lettres indisponible\u{00A0}: adresse inconnue"))
        #expect(result.stdout.contains("conseil\u{00A0}: En réponse à RCPT"))
    }

    @Test func inJapaneseFromTheEnvironment() throws {
        let result = try run(["5.1.1"], environment: ["LANG": "ja_JP.UTF-8"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("5.1.1  宛先のメールボックスが存在しません。"))
        #expect(result.stdout.contains("5.X.X  恒久的な失敗です。"))
        #expect(result.stdout.contains("ヒント："))
    }

    @Test func lcAllWinsOverLang() throws {
        let result = try run(["550"], environment: ["LC_ALL": "fr_FR.UTF-8", "LANG": "ja_JP.UTF-8"])
        #expect(result.stdout.hasPrefix("550  Boîte aux lettres indisponible"))
        let cLocale = try run(["550"], environment: ["LC_ALL": "C", "LANG": "ja_JP.UTF-8"])
        #expect(cLocale.stdout.hasPrefix("550  Mailbox unavailable"))
    }

    @Test func twoLanguagesAtOnce() throws {
        let result = try run(["452 #4.3.1 queue full", "--lang", "en,ja"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "452 #4.3.1 queue full")
        #expect(lines[1].hasPrefix("    en ") && lines[1].contains("The appliance's delivery queue is full"))
        #expect(lines.contains { $0.hasPrefix("    ja ") && $0.contains("アプライアンスの配送キューが満杯") })
    }

    @Test func aSeedLineInEachLanguage() throws {
        let expected: [(String, String)] = [
            ("en", "The appliance's delivery queue is full"),
            ("fr", "La file d’attente de remise de l’appliance est pleine"),
            ("ja", "アプライアンスの配送キューが満杯のため"),
        ]
        for (language, text) in expected {
            let result = try run(["452 #4.3.1 queue full", "--lang", language])
            #expect(result.status == 0)
            #expect(result.stdout.contains(text), "\(language): \(result.stdout)")
            #expect(result.stdout.contains("4.3.1"))
            #expect(result.stdout.contains("452 "))
        }
    }

    @Test func aLinePastedFromABounce() throws {
        let line = "550-5.7.1 [203.0.113.5] Our system has detected an unusual rate of unsolicited mail"
        for input in [line, "<-  " + line, "Diagnostic-Code: smtp; " + line] {
            let result = try run([input])
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix(line + "\n"))
            #expect(result.stdout.contains("    5.7.1  Delivery not authorized"))
            #expect(result.stdout.contains("    550    Mailbox unavailable"))
        }
    }

    @Test func unquotedWordsAreReadAsOneLine() throws {
        let result = try run(["452", "#4.3.1", "queue", "full"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("452 #4.3.1 queue full\n"))
        #expect(result.stdout.contains("delivery queue is full"))
    }

    @Test func severalCodes() throws {
        let result = try run(["550", "5.7.708", "599", "277"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("X.7.X  Security or policy"))
        #expect(result.stdout.contains("5.X.X  Permanent failure"))
        #expect(result.stdout.contains("\n\n5yz  Permanent failure"))
        #expect(result.stdout.contains("2yz  Positive completion"))
    }

    @Test func anEHLOKeywordAndAChallenge() throws {
        let result = try run(["SIZE 35882577", "334 VXNlcm5hbWU6"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("messages up to 35 MB"))
        #expect(result.stdout.contains("“Username:”"))
        #expect(result.stdout.contains("AUTH LOGIN asks for the user name"))
    }

    @Test func linesFromStandardInput() throws {
        let result = try run(
            [], stdin: "250-mx.example.org\n250-PIPELINING\n250 SIZE 10240000\n\n452 #4.5.3 Too many recipients\n")
        #expect(result.status == 0)
        #expect(result.stdout.contains("PIPELINING  Command pipelining"))
        #expect(result.stdout.contains("messages up to 10 MB"))
        #expect(result.stdout.contains("as many recipients as the mail flow policy allows"))
    }

    @Test func unknownInputIsOneClearLine() throws {
        let result = try run(["hello"])
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(
            result.stderr
                == "smtpsh: cannot explain \"hello\": give a reply code (550), an enhanced status code (5.1.1), a whole reply line or an EHLO keyword\n"
        )
        let french = try run(["600", "--lang", "fr"])
        #expect(french.status == 64)
        #expect(french.stderr.hasPrefix("smtpsh: impossible d’expliquer «\u{00A0}600\u{00A0}»"))
    }

    @Test func theOthersAreStillExplained() throws {
        // (`550 hello` would be read as one reply line.)
        let result = try run(["hello", "550"])
        #expect(result.status == 64)
        #expect(result.stdout.hasPrefix("550  Mailbox unavailable"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func anUnknownLanguage() throws {
        let result = try run(["550", "--lang", "de"])
        #expect(result.status == 64)
        #expect(
            result.stderr.split(separator: "\n").first
                == "smtpsh: unknown language \"de\" for --lang: use en, fr, ja, or several separated by commas (en,ja)"
        )
        #expect(result.stderr.contains("Usage: smtpsh explain"))
    }

    @Test func nothingToExplain() throws {
        let result = try run([])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("smtpsh: nothing to explain"))
    }

    @Test func hostileInputIsShownEscaped() throws {
        let result = try run(["\u{1B}]0;title\u{7}"])
        #expect(result.status == 64)
        #expect(!result.stderr.contains("\u{1B}"))
        let reply = try run(["501 Unknown command \u{1B}[2J"])
        #expect(reply.status == 0)
        #expect(!reply.stdout.contains("\u{1B}"))
    }

    /// Japanese in a 40-column terminal: no line wider than the terminal.
    @Test func japaneseInFortyColumns() throws {
        let inputs = ["452 #4.3.1 queue full", "550 5.1.1 <nobody@example.org>: Recipient address rejected", "535"]
        let result = try run(inputs, environment: ["LANG": "ja_JP.UTF-8", "COLUMNS": "40"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count > 10)
        // The reply lines are shown as given; the explanations fit.
        for line in lines where !inputs.contains(line) { #expect(DisplayWidth.of(line) <= 40, "\(line)") }
    }

    @Test(arguments: ["en", "fr", "ja"])
    func theCheatSheet(language: String) throws {
        let result = try run(["--list", "--lang", language])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count > 300)
        #expect(result.stdout.contains("  550  "))
        #expect(result.stdout.contains("  X.7.30  "))
        #expect(result.stdout.contains("  452 #4.3.1 queue full"))
        #expect(result.stdout.contains("  PIPELINING  "))
        for line in lines { #expect(DisplayWidth.of(line) <= 100) }
    }

    @Test func theCheatSheetInTwoLanguages() throws {
        let result = try run(["--list", "--lang", "en,fr"])
        #expect(result.stdout.contains("(English)"))
        #expect(result.stdout.contains("(Français)"))
    }

    @Test func helpListsExplain() throws {
        let root = try BinaryRunner.run(["--help"])
        #expect(root.stdout.contains("explain"))
        let help = try run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--lang"))
        #expect(help.stdout.contains("--list"))
    }
}
