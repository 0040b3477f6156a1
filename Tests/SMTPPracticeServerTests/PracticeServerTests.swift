import Testing

/// The practice server, started in-process on a free loopback port and driven by real clients
/// (Python's smtplib, swaks) and by raw sockets.
///
/// The suites run one after another: the robustness tests measure this process's memory,
/// which tests running beside them would disturb. The whole suite takes a few seconds.
@Suite(.serialized)
struct PracticeServerTests {}
