#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore

/// `to=bob@example.org subject="Hello there" quit`: a macro call's arguments.
enum MacroArguments {
    /// Splits on spaces outside double quotes; `key` alone means `key=yes`.
    static func parse(_ text: String?) -> [(key: String, value: String)] {
        guard let text else { return [] }
        var words: [String] = []
        var current = ""
        var quoted = false
        var started = false
        for character in text {
            if character == "\"" {
                quoted.toggle()
                started = true
            } else if character == " " && !quoted {
                if started { words.append(current) }
                current = ""
                started = false
            } else {
                current.append(character)
                started = true
            }
        }
        if started { words.append(current) }
        return words.map { word in
            // Keys as written: macro names and parameters are case-sensitive (settings are not).
            guard let equals = word.firstIndex(of: "=") else { return (word, "yes") }
            return (String(word[..<equals]), String(word[word.index(after: equals)...]))
        }
    }
}
