import Testing

@testable import LineEditor

@Suite struct CompletionEditTests {
    @Test func oneCandidateEndingInAColonGetsNoSpace() {
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "MA", candidates: ["MAIL FROM:"])
                == CompletionEdit(deleteCount: 2, insertion: "MAIL FROM:")
        )
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "rc", candidates: ["RCPT TO:"])
                == CompletionEdit(deleteCount: 2, insertion: "RCPT TO:")
        )
    }

    @Test func oneCandidateGetsASpaceUnlessOneFollows() {
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "EH", candidates: ["EHLO"])
                == CompletionEdit(deleteCount: 2, insertion: "EHLO ")
        )
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "EH", candidates: ["EHLO"], characterAfterCursorIsSpace: true)
                == CompletionEdit(deleteCount: 2, insertion: "EHLO")
        )
    }

    @Test func onlyTheCurrentWordIsReplaced() {
        #expect(CompletionEdit.currentWord(of: "MAIL FR") == "FR")
        #expect(CompletionEdit.currentWord(of: "MAIL ") == "")
        #expect(CompletionEdit.currentWord(of: "EHLO") == "EHLO")
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "MAIL fr", candidates: ["FROM:"])
                == CompletionEdit(deleteCount: 2, insertion: "FROM:")
        )
    }

    @Test func wordsAreCountedInUnicodeScalarsAsLibeditCountsThem() {
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "RCPT 田中", candidates: ["田中さん@例え.日本"])
                == CompletionEdit(deleteCount: 2, insertion: "田中さん@例え.日本 ")
        )
    }

    @Test func severalCandidatesInsertTheirCommonPrefixAndAreListed() {
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "r", candidates: ["RCPT TO:", "RSET"])
                == CompletionEdit(deleteCount: 1, insertion: "R", listing: ["RCPT TO:", "RSET"])
        )
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "", candidates: ["HELO", "HELP"])
                == CompletionEdit(deleteCount: 0, insertion: "HEL", listing: ["HELO", "HELP"])
        )
    }

    @Test func aCommonPrefixShorterThanTheWordLeavesTheWord() {
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "RS", candidates: ["RCPT TO:", "RSET"])
                == CompletionEdit(deleteCount: 0, insertion: "", listing: ["RCPT TO:", "RSET"])
        )
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "R", candidates: ["RCPT TO:", "RSET"])
                == CompletionEdit(deleteCount: 0, insertion: "", listing: ["RCPT TO:", "RSET"])
        )
    }

    @Test func noCandidatesMeansNothingToDo() {
        #expect(CompletionEdit.resolve(lineBeforeCursor: "X", candidates: []) == nil)
        #expect(CompletionEdit.resolve(lineBeforeCursor: "X", candidates: [""]) == nil)
    }

    @Test func duplicateCandidatesCountOnce() {
        #expect(
            CompletionEdit.resolve(lineBeforeCursor: "QU", candidates: ["QUIT", "QUIT"])
                == CompletionEdit(deleteCount: 2, insertion: "QUIT ")
        )
    }

    @Test func listingFitsTheTerminalWidth() {
        let verbs = ["EHLO", "HELO", "MAIL FROM:", "RCPT TO:", "DATA", "RSET", "NOOP", "QUIT"]
        #expect(
            CompletionEdit.listingLines(verbs, columns: 80)
                == ["EHLO        HELO        MAIL FROM:  RCPT TO:    DATA        RSET", "NOOP        QUIT"]
        )
        #expect(CompletionEdit.listingLines(["RCPT TO:", "RSET"], columns: 80) == ["RCPT TO:  RSET"])
        #expect(CompletionEdit.listingLines(["MAIL FROM:", "RCPT TO:"], columns: 10) == ["MAIL FROM:", "RCPT TO:"])
    }
}
