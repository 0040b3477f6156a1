import Testing
@testable import SMTPShell
@testable import SMTPCore

@Suite struct RendererTests {
    @Test func colourFollowsTheModeAndTheEnvironment() {
        #expect(ColorMode.auto.enabled(isTerminal: true, environment: [:]))
        #expect(!ColorMode.auto.enabled(isTerminal: false, environment: [:]))
        #expect(!ColorMode.auto.enabled(isTerminal: true, environment: ["NO_COLOR": "1"]))
        #expect(ColorMode.auto.enabled(isTerminal: true, environment: ["NO_COLOR": ""]))
        #expect(!ColorMode.auto.enabled(isTerminal: true, environment: ["TERM": "dumb"]))
        #expect(ColorMode.always.enabled(isTerminal: false, environment: ["NO_COLOR": "1"]))
        #expect(!ColorMode.never.enabled(isTerminal: true, environment: [:]))
    }

    @Test(arguments: [("250 OK", "\u{1B}[32m"), ("354 go", "\u{1B}[36m"), ("452 full", "\u{1B}[33m"), ("550 no", "\u{1B}[31m")])
    func repliesAreColouredByClass(line: String, colour: String) {
        let text = Renderer(color: true).received(ReplyLine(bytes: Array(line.utf8)), tls: false, latency: nil)
        #expect(text.contains("\u{1B}[1m" + colour + line.prefix(3)))
    }

    @Test func withoutColourTheCodeStaysReadable() {
        let text = Renderer(color: false).received(ReplyLine(bytes: Array("550 5.1.1 no such user".utf8)), tls: false, latency: 12.4)
        #expect(text == "<-  550 5.1.1 no such user  (12 ms)")
        #expect(!text.contains("\u{1B}"))
    }

    @Test func serverBytesAreEscapedEvenInColour() {
        let text = Renderer(color: true).received(ReplyLine(bytes: Array("250 \u{1B}]0;title\u{07}".utf8)), tls: true, latency: nil)
        #expect(text.contains("\\x1B]0;title\\x07"))
        #expect(!text.contains("\u{1B}]0;"))
        #expect(text.contains("<~  "))
    }

    @Test func latencyFormats() {
        #expect(Renderer.format(milliseconds: 0.44) == "0.4 ms")
        #expect(Renderer.format(milliseconds: 12.6) == "13 ms")
        #expect(Renderer.format(milliseconds: 1500) == "1.5 s")
    }
}

/// `--large`: nothing dimmed, everything bold, for a projector.
@Suite struct LargeRendererTests {
    @Test func nothingIsDimmedAndEverythingIsBold() {
        let large = Renderer(color: true, large: true)
        let lines = [
            large.note("Trying"), large.explanation("      550  Mailbox unavailable"), large.dim("(queued)"),
            large.received(ReplyLine(bytes: Array("550 no".utf8)), tls: false, latency: 1.2), large.sent("EHLO x", tls: false),
        ]
        for line in lines {
            #expect(!line.contains("\u{1B}[2m"), "\(line)")
            #expect(line.contains("\u{1B}[1m"), "\(line)")
        }
        #expect(Renderer(color: true).explanation("x").contains("\u{1B}[2m"))
        #expect(Renderer(color: false, large: true).note("x") == "=== x")
    }
}
