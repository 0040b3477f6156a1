import Foundation
import Testing

/// `smtpsh serve --help-triggers` (issue 22): the grammar of the client's trigger words, in
/// the user's language, wrapped to the terminal; and the new options in `serve --help`.
@Suite struct ServeTriggersHelpTests {
    @Test func theGrammarInThreeLanguages() throws {
        let english = try BinaryRunner.run(["serve", "--help-triggers"], environment: ["COLUMNS": "80"])
        #expect(english.status == 0)
        #expect(english.stdout.contains("  rcpt550_5.1.1  RCPT gets 550 with the enhanced status code 5.1.1"), "\(english.stdout)")
        #expect(english.stdout.contains("  nopipelining   the EHLO reply leaves PIPELINING out"), "\(english.stdout)")
        #expect(english.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(english.stdout)")
        let french = try BinaryRunner.run(["serve", "--help-triggers"], environment: ["LANG": "fr_FR.UTF-8"])
        #expect(french.stdout.contains("RCPT reçoit 550 avec le code d’état étendu 5.1.1"), "\(french.stdout)")
        let japanese = try BinaryRunner.run(["serve", "--help-triggers"], environment: ["LANG": "ja_JP.UTF-8"])
        #expect(japanese.stdout.contains("RCPT に拡張ステータスコード 5.1.1 付きの 550 を返します"), "\(japanese.stdout)")
    }

    @Test func theOptionsAreInTheHelp() throws {
        let help = try BinaryRunner.run(["serve", "--help"], environment: ["COLUMNS": "100"])
        for option in ["--triggers", "--help-triggers", "--delay", "--tarpit", "--drop", "--greylist", "--max-connections",
                       "--max-messages", "--recipient-rate", "--cert-problem", "--ca-out"] {
            #expect(help.stdout.contains("  \(option) ") || help.stdout.contains("  \(option)\n"), "\(option)")
        }
        let wrong = try BinaryRunner.run(["serve", "--cert-problem", "rusty"])
        #expect(wrong.status == 64, "\(wrong.stderr)")
        let alone = try BinaryRunner.run(["serve", "--ca-out", "x.pem"])
        #expect(alone.stderr.contains("--ca-out goes with --cert-problem"), "\(alone.stderr)")
    }
}
