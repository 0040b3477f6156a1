import Testing

/// The practice server, started in-process on a free loopback port and driven by real clients
/// (Python's smtplib, swaks) and by raw sockets.
///
/// The suites run one after another, so that the concurrency and timing tests have the
/// machine to themselves as far as this target goes; memory is measured on `smtpsh serve` run
/// as a process of its own (``ServerProcess``). The whole suite takes a few seconds.
@Suite(.serialized)
struct PracticeServerTests {}
