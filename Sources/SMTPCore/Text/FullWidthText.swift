/// Full-width forms of ASCII (U+FF01–U+FF5E) and the ideographic space (U+3000), which an
/// input method left on types instead of ASCII: `ＮＯＯＰ`, `MAIL FROM：<…>`. A server
/// reads them as unknown bytes; the line looks right on the screen.
public enum FullWidthText {
    /// `line` with its full-width characters made ASCII, or `nil` when it has none.
    public static func halfWidth(of line: String) -> String? {
        var changed = false
        var scalars = String.UnicodeScalarView()
        for scalar in line.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E:
                scalars.append(Unicode.Scalar(scalar.value - 0xFF01 + 0x21)!)
                changed = true
            case 0x3000:
                scalars.append(" ")
                changed = true
            default:
                scalars.append(scalar)
            }
        }
        return changed ? String(scalars) : nil
    }
}
