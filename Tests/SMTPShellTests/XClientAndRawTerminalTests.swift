import Foundation
import SMTPPracticeServer
import Testing

/// `:xclient` and `:raw` at a real terminal (tmux): Tab completes the attributes the EHLO
/// reply lists, the 220 brings the prompt back to "greeted", and raw bytes are shown in
/// their notation under the warning.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed")) struct XClientAndRawTerminalTests {
    @Test func xclientCompletedThenRawBytes() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "EHLO: 250 {host}\\nXCLIENT NAME ADDR HELO\\nPIPELINING"))
            options.configuration.rules.append(try! ScenarioRule(parsing: "XCLIENT: 220 {host} ESMTP"))
        }) { port, _ in
            let tmux = try Tmux(
                command: "\(BinaryRunner.binary.path) 127.0.0.1 \(port) --no-explain", width: 120, height: 40,
                environment: TerminalTests.environment)
            tmux.waitFor { $0.contains("greeted (EHLO next)>") }
            try tmux.typeLine("EHLO client.example", delay: 0.01)
            tmux.waitFor { $0.contains("ready>") }
            try tmux.type(":xclient ", delay: 0.01)
            try tmux.keys("Tab")
            try tmux.keys("Tab")
            var screen = tmux.waitFor { $0.contains("NAME=  ADDR=  HELO=") }
            #expect(screen.contains("NAME=  ADDR=  HELO="), "\(screen)")
            try tmux.type("AD", delay: 0.01)
            try tmux.keys("Tab")
            try tmux.type("192.0.2.7", delay: 0.01)
            screen = tmux.waitFor { $0.contains(":xclient ADDR=192.0.2.7") }
            #expect(screen.contains(":xclient ADDR=192.0.2.7"), "Tab completed ADDR=: \(screen)")
            try tmux.keys("Enter")
            screen = tmux.waitFor { $0.contains("XCLIENT accepted") }
            #expect(screen.contains(" -> XCLIENT ADDR=192.0.2.7"), "\(screen)")
            #expect(screen.contains("<-  220 practice.localhost ESMTP"), "\(screen)")
            try tmux.typeLine(":raw NOOP\\n", delay: 0.01)
            screen = tmux.waitFor { $0.contains("<-  250 2.0.0 OK") }
            #expect(screen.contains("*** raw bytes, not SMTP: 5 octets sent exactly as written; 1 bare LF"), "\(screen)")
            #expect(screen.contains(" -> NOOP\\n"), "\(screen)")
            #expect(screen.contains("<-  250 2.0.0 OK"), "\(screen)")
            try tmux.keys("C-d")
            tmux.waitFor { $0.contains("<-  221") }
        }
    }
}
