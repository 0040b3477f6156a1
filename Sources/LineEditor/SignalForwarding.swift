#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import CLibEdit

/// The write end of the signal self-pipe. The only global: a signal handler has no other
/// way to reach the editor. Set before the handlers are installed.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The handler: writes the signal's number to the self-pipe (async-signal-safe).
private func forwardSignal(_ signalNumber: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signalNumber)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = savedErrno
}

/// While the editor reads, SIGINT, SIGWINCH, SIGTERM and SIGHUP are turned into bytes on
/// a pipe that the reader polls (libedit's own handling is off: `EL_SIGNAL` 0). The
/// handlers are installed without SA_RESTART, and the signals are unblocked on the
/// reading thread (a program may have been started with them blocked); the previous
/// handlers and mask come back afterwards.
struct SignalForwarding {
    static let forwarded: [Int32] = [SIGINT, SIGWINCH, SIGTERM, SIGHUP]

    private var previous: [(Int32, sigaction)] = []
    private var previousMask = sigset_t()

    static func install(writingTo writeEnd: Int32) -> SignalForwarding {
        signalPipeWriteEnd = writeEnd
        var forwarding = SignalForwarding()
        var signals = sigset_t()
        sigemptyset(&signals)
        for signalNumber in forwarded {
            var old = sigaction()
            if smtpsh_install_signal_handler(signalNumber, forwardSignal, &old) == 0 {
                forwarding.previous.append((signalNumber, old))
            }
            sigaddset(&signals, signalNumber)
        }
        pthread_sigmask(SIG_UNBLOCK, &signals, &forwarding.previousMask)
        return forwarding
    }

    func restore() {
        var mask = previousMask
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        for (signalNumber, old) in previous {
            var old = old
            _ = smtpsh_restore_signal_handler(signalNumber, &old)
        }
    }
}
