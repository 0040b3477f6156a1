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

/// Runs a handler when one of the files changes (its size, time or inode: editors that save
/// by renaming count), checking once a second. A file that disappears counts as a change
/// once, and again when it comes back.
final class FileWatcher: @unchecked Sendable {
    private var timer: DispatchSourceTimer?

    init(files: [String], interval: Double = 1, handler: @escaping @Sendable (String) -> Void) {
        guard !files.isEmpty else { return }
        var seen = Dictionary(uniqueKeysWithValues: files.map { ($0, Self.signature($0)) })
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "smtpsh.file-watcher"))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler {
            for file in files {
                let now = Self.signature(file)
                if now != seen[file] {
                    seen[file] = now
                    handler(file)
                }
            }
        }
        timer.resume()
        self.timer = timer
    }

    private static func signature(_ path: String) -> [Int]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }

    func cancel() {
        timer?.cancel()
        timer = nil
    }
}
