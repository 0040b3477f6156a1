import Dispatch
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SMTPCore

/// What the connection reports, on its event loop, in the order it happened.
public enum ConnectionEvent: Sendable {
    /// A complete line of a reply, as soon as it arrived.
    case line(ReplyLine)
    /// A complete reply (after its last line's `.line`).
    case reply(Reply)
    /// A line that is not part of any reply.
    case unparsableLine(ReplyLine)
    /// The server sent a line longer than kept; so far this many octets.
    case overlongLine(Int)
    /// The connection closed in the middle of a line: what had come of it.
    case unfinishedLine(ReplyLine)
    /// The TLS handshake is done (after STARTTLS's 220, or first thing on a TLS port).
    case tlsEstablished(TLSReport)
    /// TLS could not be set up, or broke; the connection is being closed.
    case tlsFailed(TLSFailure)
    /// The connection is gone; `nil` when closed cleanly (by either side).
    case closed(String?)
    /// The events of one buffer read from the socket have all been reported: what they
    /// produced can be shown together (one write to the screen for thousands of lines).
    case readComplete
}

public enum ConnectProgress: Sendable {
    case trying(SocketAddress)
    case connected(SocketAddress, milliseconds: Double)
    case failed(SocketAddress, ConnectError)
    /// `--proxy`: the proxy opened the way to the server (`target`, by name).
    case throughProxy(String, target: String, milliseconds: Double)
    /// `--proxy-protocol`: the header was sent; what it says, as v1 writes it.
    case proxyProtocolHeader(String)
}
