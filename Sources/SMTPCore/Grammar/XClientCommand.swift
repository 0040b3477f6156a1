/// Postfix's XCLIENT command (XCLIENT_README): a trusted client (a proxy, a content filter,
/// a test tool) tells the server whom to act as — the remote client's name, address, port,
/// HELO name, login — so that the server applies its access rules and writes its Received
/// header as for that client.
///
/// ```
/// C: XCLIENT NAME=client.example ADDR=192.0.2.7 HELO=client.example
/// S: 220 mx.example ESMTP          (the session starts again: EHLO once more)
/// S: 550 5.7.0 Error: insufficient authorization    (this client may not)
/// ```
///
/// Values travel as xtext (RFC 3461: `+` followed by two hexadecimal digits for `+`, `=`,
/// and bytes outside 33…126); the server's EHLO reply names the attributes it accepts
/// (`XCLIENT NAME ADDR PROTO HELO`).
public struct XClientCommand: Hashable, Sendable {
    /// The attributes Postfix defines, in the order its documentation gives them.
    public static let knownAttributes = ["NAME", "REVERSE_NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN", "DESTADDR", "DESTPORT"]
    /// Values with a meaning of their own: the information is not available, or only for now.
    public static let specialValues = ["[UNAVAILABLE]", "[TEMPUNAVAIL]"]

    public struct Attribute: Hashable, Sendable {
        /// Upper case (`ADDR`).
        public var name: String
        /// As the user wrote it, before xtext.
        public var value: String
    }

    public enum ParseError: Error, Hashable, Sendable {
        /// Nothing to send.
        case empty
        /// `NAME` without `=value`.
        case missingValue(String)
        /// `=value` with no name.
        case missingName(String)
    }

    public var attributes: [Attribute]

    /// `NAME=client.example ADDR=192.0.2.7`, attributes separated by spaces (names in any
    /// case). A value with spaces in it is written xtext-encoded (`+20`) by the user only if
    /// they mean it: smtpsh encodes what it is given.
    public init(parsing text: String) throws(ParseError) {
        var attributes: [Attribute] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let equals = word.firstIndex(of: "=") else { throw .missingValue(String(word)) }
            let name = word[..<equals]
            guard !name.isEmpty else { throw .missingName(String(word)) }
            attributes.append(Attribute(name: name.uppercased(), value: String(word[word.index(after: equals)...])))
        }
        guard !attributes.isEmpty else { throw .empty }
        self.attributes = attributes
    }

    public init(attributes: [Attribute]) {
        self.attributes = attributes
    }

    /// The command line, without CRLF: `XCLIENT NAME=a.example ADDR=192.0.2.7`.
    public var line: String {
        (["XCLIENT"] + attributes.map { $0.name + "=" + Self.xtext($0.value) }).joined(separator: " ")
    }

    /// The names in this command the server did not list after XCLIENT in its EHLO reply.
    public func notOffered(by offered: [String]) -> [String] {
        let names = Set(offered.map { $0.uppercased() })
        return attributes.map(\.name).filter { !names.contains($0) }
    }

    /// RFC 3461's xtext: `+`, `=` and every byte outside `!`…`~` become `+HH`.
    public static func xtext(_ value: String) -> String {
        var output = ""
        for byte in value.utf8 {
            if byte >= 33 && byte <= 126 && byte != UInt8(ascii: "+") && byte != UInt8(ascii: "=") {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += "+" + Hexadecimal.digits(byte)
            }
        }
        return output
    }

    /// Whether `command` is an XCLIENT line (not a verb RFC 5321 knows: the parser reads it raw).
    public static func isXClient(_ command: Command) -> Bool {
        command.knownVerb == nil && command.verb == "XCLIENT"
    }
}
