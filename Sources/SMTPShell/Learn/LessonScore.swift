#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore
import SMTPPracticeServer

/// How a lesson went, shown at its end and kept in the progress file.
struct LessonScore: Hashable, Sendable {
    var steps: Int
    var done: Int
    /// Steps done with no mistake and no hint.
    var firstTime: Int
    var mistakes: Int
    var hints: Int
    var seconds: Double

    func lines(_ languages: [Language]) -> [String] {
        languages.map { language in
            Words.text("lesson-score", in: language, [
                "right": String(firstTime), "steps": String(steps), "mistakes": String(mistakes), "hints": String(hints),
                "time": SpokenDuration.of(seconds, in: language),
            ])
        }
    }
}
