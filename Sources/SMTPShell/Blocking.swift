import NIOCore
import NIOPosix

/// smtpsh runs on the main thread, synchronously: a session waits for its replies on it, and
/// a command line starts without Swift concurrency's thread hops (about half a millisecond of
/// every start, Docs/benchmarks.md). The few APIs that are async (the practice server's start
/// and stop, DNS queries for `--mx`) are waited for here, as everything else smtpsh waits
/// for: on an event loop future.
enum Blocking {
    /// Runs `body` as a task and blocks the calling thread until it ends. Call it from the
    /// main thread (or another thread of smtpsh's own), never from a task or an event loop.
    static func wait<T: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () async throws(Failure) -> T
    ) throws(Failure) -> T {
        let future = MultiThreadedEventLoopGroup.singleton.any().makeFutureWithTask { () async -> Result<T, Failure> in
            do throws(Failure) {
                return .success(try await body())
            } catch {
                return .failure(error)
            }
        }
        // The task returns a Result, so the future itself never fails.
        return try (try! future.wait()).get()
    }
}
