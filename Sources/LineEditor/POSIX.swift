#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import CLibEdit

/// A non-blocking, close-on-exec pipe used to wake `poll()`: one byte says "look".
struct WakePipe {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC | O_NONBLOCK) == 0 else {
            throw LineEditorSetupFailed(step: "pipe2", errno: errno)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    /// Writes one byte; a full pipe already holds a wake-up, so that is not an error.
    func signal(_ byte: UInt8 = 1) {
        var byte = byte
        while write(writeEnd, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Reads and returns everything written so far.
    func drain() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(readEnd, &buffer, buffer.count)
            if count > 0 {
                bytes.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return bytes
            }
        }
    }

    func closeBothEnds() {
        _ = close(readEnd)
        _ = close(writeEnd)
    }
}

enum Output {
    /// Writes all of `text` to standard output with write(2), after whatever the C
    /// library (libedit's output goes through `stdout`) still holds.
    static func writeAll(_ text: String) {
        guard !text.isEmpty else { return }
        smtpsh_flush_stdout()
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && errno == EAGAIN {
                var descriptor = pollfd(fd: STDOUT_FILENO, events: Int16(POLLOUT), revents: 0)
                _ = poll(&descriptor, 1, 100)
            } else {
                return  // the terminal is gone: nothing more can be shown
            }
        }
    }
}

/// close(2), for types whose own `close()` hides the C function.
func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
