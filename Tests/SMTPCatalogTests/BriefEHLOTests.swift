import SMTPCore
import Testing
@testable import SMTPCatalog

/// The brief EHLO (`--compact`, `--large`): one short line per keyword, so that the EHLO
/// reply stays on a projector's screen with its explanation.
@Suite struct BriefEHLOTests {
    static let ehlo = Reply(code: .ok, lines: [
        "practice.localhost greets me.example", "PIPELINING", "SIZE 52428800", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES",
        "DSN", "CHUNKING", "STARTTLS", "AUTH PLAIN LOGIN CRAM-MD5", "X-UNKNOWN-THING", "HELP",
    ])

    @Test func oneShortLinePerKeyword() throws {
        let brief = try #require(Catalog.shared.briefEHLO(Self.ehlo))
        var layout = ExplanationRenderer(columns: 80, languages: [.en])
        layout.compact = true
        let lines = layout.render(brief)
        #expect(lines.count == 11, "\(lines)")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 80 })
        #expect(lines.contains("      SIZE                 messages up to 52 MB"))
        #expect(lines.contains("      AUTH                 logging in, with PLAIN, LOGIN, CRAM-MD5"))
        #expect(lines.contains("      STARTTLS             can switch this connection to TLS"))
        #expect(lines.contains { $0.hasPrefix("      X-UNKNOWN-THING      ") })
        // Far shorter than the full explanation, which wraps and lists each mechanism.
        let full = ExplanationRenderer(columns: 80, languages: [.en]).render(Catalog.shared.explainEHLO(Self.ehlo))
        #expect(full.count > lines.count + 8, "\(full.count) full lines")
    }

    @Test func everyLanguageHasItsBriefs() throws {
        let brief = try #require(Catalog.shared.briefEHLO(Self.ehlo))
        for language in Language.allCases {
            for part in brief.parts where part.role == .ehloKeyword {
                let text = try #require(part.meaning[language])
                #expect(!text.hasPrefix("ehlo-brief-"), "\(part.label) in \(language)")
                #expect(DisplayWidth.of(text) <= 60, "\(part.label) in \(language): \(text)")
            }
        }
        #expect(brief.parts.first { $0.label == "SIZE" }?.meaning[.fr] == "messages jusqu’à 52\u{00A0}Mo")
        #expect(brief.parts.first { $0.label == "SIZE" }?.meaning[.ja] == "52 MB までのメッセージを受け付ける")
    }

    /// Two languages side by side when they fit, else one line each; a text too long for the
    /// line is cut with `…` (a kanji counting two columns).
    @Test func languagesAndCutting() throws {
        let brief = try #require(Catalog.shared.briefEHLO(Reply(code: .ok, lines: ["x.example", "SIZE 1000", "STARTTLS"])))
        var wide = ExplanationRenderer(columns: 120, languages: [.en, .fr])
        wide.compact = true
        #expect(wide.render(brief).first == "      SIZE      messages up to 1 kB / messages jusqu’à 1\u{00A0}ko")
        var narrow = ExplanationRenderer(columns: 40, languages: [.en, .ja])
        narrow.compact = true
        let lines = narrow.render(brief)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 40 }, "\(lines)")
        #expect(lines[3].hasSuffix("…"), "\(lines)")
        #expect(DisplayWidth.fitted("接続を TLS に切り替えられる", to: 9) == "接続を T…")
        #expect(DisplayWidth.fitted("接続を TLS に切り替えられる", to: 8) == "接続を…")
        #expect(DisplayWidth.fitted("short", to: 9) == "short")
    }

    @Test func notAnEHLOReply() {
        #expect(Catalog.shared.briefEHLO(Reply(code: .ok, lines: ["OK"])) == nil)
    }
}
