// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way:
//   SMTPCore (pure protocol, no I/O)  <-  transport, server, catalogue, rendering  <-  SMTPShell (CLI logic)  <-  smtpsh
let package = Package(
    name: "smtpsh",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "smtpsh", targets: ["smtpsh"]),
        .library(name: "SMTPCore", targets: ["SMTPCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The SMTP protocol as RFC 5321 and its extensions name it: types, parsers, encoders,
        // the session state machine. No I/O, no SwiftNIO.
        .target(name: "SMTPCore"),

        // Everything the `smtpsh` command does, as a library the tests can call.
        .target(
            name: "SMTPShell",
            dependencies: [
                "SMTPCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The executable is wiring only.
        .executableTarget(name: "smtpsh", dependencies: ["SMTPShell"]),

        // Benchmarks (run in release mode; see Docs/benchmarks.md).
        .executableTarget(name: "smtpsh-bench", dependencies: ["SMTPCore"]),

        // libedit's native API (histedit.h) with fixed-arity wrappers for its variadic calls.
        .systemLibrary(name: "CLibEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),

        // The interactive line editor: libedit, with server lines printed above the prompt
        // from any thread. No SwiftNIO. See Docs/line-editor.md.
        .target(name: "LineEditor", dependencies: ["CLibEdit"]),

        // Drives LineEditor in a real terminal for the tmux tests; not shipped.
        .executableTarget(
            name: "lineeditor-harness",
            dependencies: ["LineEditor"],
            path: "Sources/LineEditorHarness"
        ),

        .testTarget(
            name: "SMTPCoreTests",
            dependencies: ["SMTPCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SMTPShellTests", dependencies: ["SMTPShell"]),
        .testTarget(name: "LineEditorTests", dependencies: ["LineEditor"]),
    ],
    swiftLanguageModes: [.v6]
)
