import Synchronization

/// The project's one lock: a value only reached through ``withLock(_:)``, held by a
/// `Synchronization.Mutex`.
///
/// ```swift
/// let cache = Locked<[Int: String]>([:])
/// cache.withLock { $0[1] = "one" }
/// ```
///
/// Why not `Mutex` itself: ThreadSanitizer cannot see it on Linux. Its lock and unlock run
/// in the Swift runtime's Synchronization library, which is not built with TSan, and end in
/// a futex call that TSan does not intercept; so `Scripts/tsan` reported every pair of
/// accesses made under one `Mutex` from two threads as a data race. In the TSan build
/// (`-D SMTPSH_TSAN`, which `Scripts/tsan` passes), ``withLock(_:)`` also tells TSan that
/// the lock is taken and released (`__tsan_acquire`, `__tsan_release` on this object's
/// address); in every other build it is `Mutex.withLock`, nothing more.
public final class Locked<Value>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with the value, the lock held.
    public func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        #if SMTPSH_TSAN
            // This object's address stands for the lock; announced before the value is touched.
            let address = Unmanaged.passUnretained(self).toOpaque()
            return try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
                tsanAcquire(address)
                defer { tsanRelease(address) }
                return try body(&value)
            }
        #else
            return try mutex.withLock(body)
        #endif
    }
}

#if SMTPSH_TSAN
    // ThreadSanitizer's annotations (compiler-rt, tsan_interface.h): `addr` is acquired or
    // released as a lock's address is.
    @_silgen_name("__tsan_acquire")
    private func tsanAcquire(_ address: UnsafeMutableRawPointer)

    @_silgen_name("__tsan_release")
    private func tsanRelease(_ address: UnsafeMutableRawPointer)
#endif
