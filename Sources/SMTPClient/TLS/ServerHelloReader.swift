import NIOCore

/// The cipher suite the server chose, read from its ServerHello as it arrives: the first
/// handshake message a TLS server sends, in clear in every version (RFC 8446, 4.1.3; RFC
/// 5246, 7.4.1.3). SwiftNIO SSL does not say which suite was negotiated, and the report
/// after the handshake names it.
///
/// ```
/// record:     16 03 03 LL LL              handshake, length
/// handshake:  02 LL LL LL                 ServerHello, length
///             03 03  <32 random bytes>    legacy_version, random
///             NN <NN bytes>               legacy_session_id_echo
///             13 01                       cipher_suite: TLS_AES_128_GCM_SHA256
/// ```
///
/// Bytes are fed in any chunking; at most 16 KiB of handshake is looked at.
struct ServerHelloReader: Sendable {
    enum State: Hashable, Sendable {
        case reading
        case found(UInt16)
        /// Not a ServerHello (an alert, plain text on a TLS port): nothing to report.
        case failed
    }

    private(set) var state: State = .reading
    private var records: [UInt8] = []
    private var handshake: [UInt8] = []

    static let limit = 16_384

    mutating func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        guard state == .reading else { return }
        records += bytes
        while records.count >= 5 {
            // Handshake records only, up to the ServerHello.
            guard records[0] == 22 else {
                state = .failed
                return
            }
            let length = Int(records[3]) << 8 | Int(records[4])
            guard records.count >= 5 + length else { break }
            handshake += records[5..<(5 + length)]
            records.removeFirst(5 + length)
            if let result = Self.serverHello(handshake) {
                state = result
                records = []
                handshake = []
                return
            }
        }
        if handshake.count + records.count > Self.limit { state = .failed }
    }

    /// `nil` while more bytes are needed.
    private static func serverHello(_ bytes: [UInt8]) -> State? {
        guard let type = bytes.first else { return nil }
        guard type == 2 else { return .failed }
        // Type (1), length (3), legacy_version (2), random (32), session id length (1).
        guard bytes.count >= 39 else { return nil }
        let cipher = 39 + Int(bytes[38])
        guard bytes.count >= cipher + 2 else { return nil }
        return .found(UInt16(bytes[cipher]) << 8 | UInt16(bytes[cipher + 1]))
    }

    /// The IANA name of a suite (RFC 8446, B.4; the TLS 1.2 suites servers still pick), or
    /// its number (`0xC0AD`).
    static func name(_ suite: UInt16) -> String {
        if let name = names[suite] { return name }
        let hex = String(suite, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    static let names: [UInt16: String] = [
        0x1301: "TLS_AES_128_GCM_SHA256",
        0x1302: "TLS_AES_256_GCM_SHA384",
        0x1303: "TLS_CHACHA20_POLY1305_SHA256",
        0x1304: "TLS_AES_128_CCM_SHA256",
        0x1305: "TLS_AES_128_CCM_8_SHA256",
        0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    ]
}
