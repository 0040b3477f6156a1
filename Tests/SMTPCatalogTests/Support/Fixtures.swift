import Foundation
import SMTPCatalog

/// Files of the source tree the catalogue tests read: the data as written, and the seed
/// documents' reply lines (one fixture, shared with SMTPCoreTests).
enum Fixtures {
    static let packageDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // SMTPCatalogTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static let dataDirectory = packageDirectory.appendingPathComponent("Sources/SMTPCatalog/Data")

    /// The `.catalog` files as they are on disk now, sorted by name.
    static func dataFiles() throws -> [CatalogSource] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dataDirectory.path)
            .filter { $0.hasSuffix(".catalog") }
            .sorted()
        return try names.map { name in
            CatalogSource(
                name: name, text: try String(contentsOf: dataDirectory.appendingPathComponent(name), encoding: .utf8))
        }
    }

    /// The 50 reply lines of the seed documents' list (Tests/SMTPCoreTests/Fixtures/appliance-replies.tsv).
    static let applianceLines: [String] = {
        let url = packageDirectory.appendingPathComponent("Tests/SMTPCoreTests/Fixtures/appliance-replies.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.split(separator: "\t")[0]) }
    }()

    /// The replies of the seed documents' telnet session (Tests/SMTPCoreTests/Fixtures/telnet-session.txt).
    static let sessionReplies: [String] = {
        let url = packageDirectory.appendingPathComponent("Tests/SMTPCoreTests/Fixtures/telnet-session.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init).filter { line in
            line.utf8.count >= 4 && line.utf8.prefix(3).allSatisfy { (48...57).contains($0) }
                && line.dropFirst(3).hasPrefix(" ")
        }
    }()
}
