#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A wake-up for threads that wait for something another thread changes, that cannot be
/// missed: the waiter notes ``generation`` before it looks at what it waits for, and
/// ``wait(after:untilUptimeNanoseconds:)`` returns at once if ``signal()`` came since.
///
/// ```swift
/// let seen = signal.generation
/// if done() { return }
/// signal.wait(after: seen, untilUptimeNanoseconds: deadline)
/// ```
final class WakeUpSignal: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var count: UInt64 = 0

    init() {
        pthread_mutex_init(mutex, nil)
        #if canImport(Glibc)
            // Deadlines on the monotonic clock, as DispatchTime's uptime is.
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(condition, &attributes)
            pthread_condattr_destroy(&attributes)
        #else
            pthread_cond_init(condition, nil)
        #endif
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// How many times ``signal()`` was called so far.
    var generation: UInt64 {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return count
    }

    /// Wakes every waiter.
    func signal() {
        pthread_mutex_lock(mutex)
        count &+= 1
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits until ``signal()`` is called after the generation `seen` was read, or until the
    /// monotonic clock (`DispatchTime.now().uptimeNanoseconds`) reaches `deadline`.
    func wait(after seen: UInt64, untilUptimeNanoseconds deadline: UInt64) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while count == seen {
            #if canImport(Glibc)
                var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                if pthread_cond_timedwait(condition, mutex, &until) == ETIMEDOUT { return }
            #else
                // Darwin's condition variables wait on the wall clock: a relative wait instead.
                var now = timespec()
                clock_gettime(CLOCK_UPTIME_RAW, &now)
                let current = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
                guard deadline > current else { return }
                var relative = timespec(
                    tv_sec: Int((deadline - current) / 1_000_000_000), tv_nsec: Int((deadline - current) % 1_000_000_000))
                if pthread_cond_timedwait_relative_np(condition, mutex, &relative) == ETIMEDOUT { return }
            #endif
        }
    }
}
