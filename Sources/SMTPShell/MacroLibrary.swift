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
import SMTPClient
import SMTPCore

/// User macros: `NAME.smtp` files in the macro directories, in the session format
/// (Docs/session-format.md) with `${parameters}`.
enum MacroLibrary {
    struct Entry {
        var name: String
        var path: String
        var description: String?
    }

    static func entries(in directories: [String]) -> [Entry] {
        var entries: [Entry] = []
        for directory in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for file in names.sorted() where file.hasSuffix(".smtp") {
                let name = String(file.dropLast(5))
                guard !entries.contains(where: { $0.name == name }) else { continue }
                let path = directory + "/" + file
                var description: String?
                if let data = BoundedRead.contents(of: path, limit: 4096) {
                    for line in TextLines.split(Array(data)).prefix(20) where line.lowercased().hasPrefix("# description:") {
                        description = line.dropFirst("# description:".count).trimmingSpaces
                    }
                }
                entries.append(Entry(name: name, path: path, description: description))
            }
        }
        return entries
    }

    /// A macro by name, or a file by path.
    static func find(_ name: String, in directories: [String]) -> String? {
        if name.contains("/") { return name }
        return entries(in: directories).first(where: { $0.name == name })?.path
    }
}
