/// `%XX` escapes for text that goes where only some characters may stand as they are: a
/// proxy URL's user (RFC 3986's unreserved characters), an attachment's name in a MIME
/// parameter (RFC 2231's attribute characters).
public enum PercentEncoding {
    /// `text`'s UTF-8, each byte that is not an ASCII letter, a digit or one of `kept`
    /// written `%XX` (upper-case hexadecimal).
    public static func encode(_ text: String, keeping kept: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || kept.utf8.contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + Hexadecimal.digits(byte)
            }
        }
        return result
    }
}
