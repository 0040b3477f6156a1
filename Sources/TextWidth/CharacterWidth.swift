/// How many terminal columns one character takes: `wcwidth` as glibc has it in a UTF-8
/// locale, without depending on the process's locale. The one width rule of the project:
/// the line editor lays out the prompt with it, and the catalogue wraps and aligns
/// explanations with it, so what is wrapped is what the terminal draws.
///
/// 0 for combining marks and format characters (U+200B, Hangul medial vowels among them),
/// 2 for East Asian Wide and Fullwidth characters (CJK, kana, fullwidth punctuation, Hangul
/// syllables, most emoji), -1 for control characters, surrogates and unassigned code
/// points, 1 otherwise. The ranges are generated from glibc (`Scripts/generate-width-table`).
public enum CharacterWidth {
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value == 0 { return 0 }
        if value < 0x20 || (0x7F...0x9F).contains(value) { return -1 }
        if value < 0x300 {
            return 1  // Latin: nothing narrower or wider before the combining diacritics.
        }
        if contains(CharacterWidthTable.zeroWidth, value) { return 0 }
        if contains(CharacterWidthTable.doubleWidth, value) { return 2 }
        switch scalar.properties.generalCategory {
        case .control, .surrogate, .unassigned, .lineSeparator, .paragraphSeparator:
            return -1
        default:
            return 1
        }
    }

    private static func contains(_ ranges: [ClosedRange<UInt32>], _ value: UInt32) -> Bool {
        var low = 0
        var high = ranges.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let range = ranges[middle]
            if value < range.lowerBound {
                high = middle - 1
            } else if value > range.upperBound {
                low = middle + 1
            } else {
                return true
            }
        }
        return false
    }
}
