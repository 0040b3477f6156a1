import Testing
@testable import SMTPCore

@Suite struct ReplyCodeTests {
    @Test(arguments: [200, 211, 250, 299, 354, 421, 451, 452, 500, 550, 555, 599, 277, 469])
    func anyThreeDigitsFrom200To599AreRepresentable(value: Int) throws {
        let code = try #require(ReplyCode(rawValue: value))
        #expect(code.rawValue == value)
        #expect(code.replyClass.rawValue == value / 100)
        #expect(code.description == String(value))
    }

    @Test(arguments: [0, 99, 100, 199, 600, 999, -250])
    func valuesOutsideTheRangeAreRejected(value: Int) {
        #expect(ReplyCode(rawValue: value) == nil)
    }

    @Test func parsesDigits() {
        #expect(ReplyCode(digits: "421".bytes) == .serviceNotAvailable)
        #expect(ReplyCode(digits: "42".bytes) == nil)
        #expect(ReplyCode(digits: "4a1".bytes) == nil)
        #expect(ReplyCode(digits: "1234".bytes) == nil)
        #expect(ReplyCode(digits: "199".bytes) == nil)
    }

    @Test func classAndCategory() throws {
        #expect(ReplyCode.ok.replyClass == .positiveCompletion)
        #expect(ReplyCode.startMailInput.replyClass == .positiveIntermediate)
        #expect(ReplyCode.insufficientStorage.replyClass == .transientNegative)
        #expect(ReplyCode.mailboxUnavailable.replyClass == .permanentNegative)
        #expect(ReplyCode.syntaxError.category == .syntax)
        #expect(ReplyCode.helpMessage.category == .information)
        #expect(ReplyCode.serviceReady.category == .connections)
        #expect(ReplyCode.authChallenge.category == .unspecified3)
        #expect(ReplyCode.mailboxUnavailable.category == .mailSystem)
        #expect(try #require(ReplyCode(rawValue: 276)).category == nil)
        #expect(ReplyClass.positiveIntermediate.isPositive)
        #expect(!ReplyClass.transientNegative.isPositive)
    }

    @Test func namedConstantsHaveTheRFCValues() {
        #expect(ReplyCode.serviceNotAvailable.rawValue == 421)
        #expect(ReplyCode.badSequence.rawValue == 503)
        #expect(ReplyCode.authenticationSucceeded.rawValue == 235)
        #expect(ReplyCode.domainDoesNotAcceptMail.rawValue == 556)
        #expect(ReplyCode.ok < ReplyCode.startMailInput)
    }
}
