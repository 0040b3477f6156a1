#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCore

/// What `smtpsh learn` remembers between runs: each lesson or exercise finished, with its
/// last score, so that `smtpsh learn` starts at the first lesson not done and `--list` shows
/// the scores. One line each, in `$XDG_STATE_HOME/smtpsh/learn-progress` (`SMTPSH_PROGRESS`
/// names another file; set to nothing, nothing is kept):
///
/// ```
/// lesson-1	3/3	0	0	42
/// exercise:/home/ana/relay.exercise	5/6	1	2	310
/// ```
///
/// (the steps right the first time of all the steps, the mistakes, the hints, the seconds).
struct LearnProgress {
    var path: String?
    private(set) var scores: [String: LessonScore] = [:]
    /// In the order first finished (the file's order).
    private(set) var order: [String] = []

    static func load() -> LearnProgress {
        var progress = LearnProgress(path: StateFiles.path("learn-progress", variable: "SMTPSH_PROGRESS"))
        guard let path = progress.path, let data = BoundedRead.contents(of: path, limit: 1_048_576) else { return progress }
        for line in TextLines.split(Array(data)) where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let fraction = fields.count > 1 ? fields[1].split(separator: "/").compactMap { Int($0) } : []
            guard fields.count == 5, fraction.count == 2, let mistakes = Int(fields[2]), let hints = Int(fields[3]),
                let seconds = Double(fields[4])
            else { continue }
            progress.set(fields[0], LessonScore(
                steps: fraction[1], done: fraction[1], firstTime: fraction[0], mistakes: mistakes, hints: hints, seconds: seconds))
        }
        return progress
    }

    static func id(lesson number: Int) -> String { "lesson-\(number)" }

    static func id(exercise path: String) -> String {
        "exercise:" + (path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
    }

    func score(_ id: String) -> LessonScore? { scores[id] }

    /// The first built-in lesson not finished yet (`nil`: all are).
    func firstLessonToDo(count: Int) -> Int? {
        (1...count).first { scores[Self.id(lesson: $0)] == nil }
    }

    private mutating func set(_ id: String, _ score: LessonScore) {
        if scores[id] == nil { order.append(id) }
        scores[id] = score
    }

    /// Keeps a finished lesson's score, and writes the file (a new file renamed over the old:
    /// a learner who stops at the wrong moment never loses what was done).
    mutating func record(_ id: String, _ score: LessonScore) {
        set(id, score)
        guard let path else { return }
        var text = "# smtpsh learn: lessons and exercises done (steps right the first time/steps, mistakes, hints, seconds)\n"
        for id in order {
            guard let score = scores[id], !id.contains("\t"), !id.contains("\n") else { continue }
            text += "\(id)\t\(score.firstTime)/\(score.steps)\t\(score.mistakes)\t\(score.hints)\t\(Int(score.seconds.rounded()))\n"
        }
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }
}
