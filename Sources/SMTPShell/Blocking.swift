import Dispatch
import NIOConcurrencyHelpers

/// smtpsh runs on the main thread, synchronously: a session waits for its replies on it, and
/// a command line starts without Swift concurrency's thread hops (about half a millisecond of
/// every start, Docs/benchmarks.md). The few APIs that are async (the practice server's start
/// and stop, DNS queries for `--mx`) are waited for here.
enum Blocking {
    /// Runs `body` as a task and blocks the calling thread until it ends. Call it from the
    /// main thread (or another thread of smtpsh's own), never from a task or an event loop.
    static func wait<T: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () async throws(Failure) -> T
    ) throws(Failure) -> T {
        let result = NIOLockedValueBox<Result<T, Failure>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, Failure>
            do throws(Failure) {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            result.withLockedValue { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLockedValue { $0! }.get()
    }
}
