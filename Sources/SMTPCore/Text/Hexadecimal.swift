/// A byte as two upper-case hexadecimal digits (`0A`, `FF`): what every escape smtpsh writes
/// uses after its own marker (`\x0A` in what it shows, `+0A` in xtext, `%0A` in a URL or a
/// MIME parameter).
public enum Hexadecimal {
    public static func digits(_ byte: UInt8) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
