// swift-tools-version:6.0
import PackageDescription

// The version of the source. `smtpsh --version`, the man page and recordings print the build's
// version: this one, or SMTPSH_VERSION when the build is given one, as Scripts/install and
// Scripts/package do from git (0.1.0+git412.ddcb8b6 between releases: Docs/packaging.md).
let smtpshVersion = "0.1.0"
let buildVersion = Context.environment["SMTPSH_VERSION"].flatMap { $0.isEmpty ? nil : $0 } ?? smtpshVersion
// It becomes a C string literal, and a Debian version: only the characters those allow.
if !buildVersion.unicodeScalars.allSatisfy({ "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+~:-".unicodeScalars.contains($0) }) {
    fatalError("SMTPSH_VERSION may hold only letters, digits and . + ~ : - (got \(buildVersion))")
}

// Dependencies point one way:
//   SMTPCore (pure protocol, no I/O)  <-  transport, server, catalogue, rendering  <-  SMTPShell (CLI logic)  <-  smtpsh
let package = Package(
    name: "smtpsh",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "smtpsh", targets: ["smtpsh"]),
        .library(name: "SMTPCore", targets: ["SMTPCore"]),
        .library(name: "SMTPCatalog", targets: ["SMTPCatalog"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // The SMTP protocol as RFC 5321 and its extensions name it: types, parsers, encoders,
        // the session state machine. No I/O, no SwiftNIO.
        .target(name: "SMTPCore", dependencies: ["Locking"]),
        // The one lock (Locked), visible to ThreadSanitizer in Scripts/tsan's build.
        .target(name: "Locking"),

        // The reply catalogue: every reply explained in English, French and Japanese, from the
        // data files in Sources/SMTPCatalog/Data (Docs/catalog.md). The CatalogEmbedder plugin
        // compiles those files into the binary as string literals: nothing is read at run time.
        .target(name: "SMTPCatalog", dependencies: ["SMTPCore", "CatalogFormat", "TextWidth", "Locking"], plugins: ["CatalogEmbedder"]),

        // The syntax of the catalogue's data files (Docs/catalog.md): the parser, and the
        // types it needs. Shared by the catalogue and the build tool that indexes the files.
        .target(name: "CatalogFormat", dependencies: ["SMTPCore"]),

        // Build tool: turns the .catalog files into a Swift source holding their text and an
        // index of their entries, so that nothing is parsed when smtpsh starts.
        .plugin(name: "CatalogEmbedder", capability: .buildTool(), dependencies: ["catalog-embedder"]),
        .executableTarget(name: "catalog-embedder", dependencies: ["CatalogFormat"], path: "Sources/CatalogEmbedderTool"),

        // The practice server: a real ESMTP server on SwiftNIO that can be made to send any reply.
        // `ServerSession` is its protocol logic, pure; the NIO handler only moves bytes.
        .target(
            name: "SMTPPracticeServer",
            dependencies: [
                "SMTPCore",
                "Locking",
                // A vendor persona's replies are its catalogue lines (`--persona postfix`).
                "SMTPCatalog",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                // RSA keys, for a weak one on purpose (`--cert-problem weak-key`); X509 uses it already.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),

        // The client side: the connection (SwiftNIO), DNS, TLS, and the session on its event
        // loop (ClientSessionCore driving SMTPCore's ClientStateMachine). No words: what it
        // reports is typed; the presentation (SMTPShell) words it.
        .target(
            name: "SMTPClient",
            dependencies: [
                "SMTPCore",
                "Locking",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                // The size of a server's RSA key (X509 does not parse keys under 2048 bits).
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),

        // libedit's native API (histedit.h, from libedit-dev) with fixed-arity wrappers for its
        // variadic calls; libedit itself is opened with dlopen when a line editor starts.
        .target(name: "CLibEdit", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),

        // The build's version (see smtpshVersion above), handed to a C file as a definition.
        .target(name: "CBuildVersion", cSettings: [.define("SMTPSH_VERSION", to: "\"\(buildVersion)\"")]),

        // The interactive line editor: libedit, with server lines printed above the prompt
        // from any thread. No SwiftNIO. See Docs/line-editor.md.
        .target(name: "LineEditor", dependencies: ["CLibEdit", "TextWidth", "Locking"]),

        // How many columns a character takes on a terminal (glibc's wcwidth, as a table):
        // the one width rule of the line editor and the catalogue's wrapping.
        .target(name: "TextWidth"),

        // Everything the `smtpsh` command does, as a library the tests can call.
        .target(
            name: "SMTPShell",
            dependencies: [
                "SMTPCore",
                "Locking",
                "SMTPCatalog",
                "SMTPClient",
                "SMTPPracticeServer",
                "LineEditor",
                "CBuildVersion",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),

        // The executable is wiring only.
        .executableTarget(name: "smtpsh", dependencies: ["SMTPShell"]),

        // Benchmarks (run in release mode; see Docs/benchmarks.md).
        .executableTarget(name: "smtpsh-bench", dependencies: ["SMTPCore", "SMTPCatalog"]),

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
        // Drives the practice server with real clients: Python's smtplib (Clients/*.py, found
        // beside the sources), swaks, and raw sockets.
        .testTarget(
            name: "SMTPPracticeServerTests",
            dependencies: [
                "SMTPPracticeServer",
                "SMTPCatalog",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["Clients"]
        ),
        // Fixtures/vendor-replies.tsv is read from the source tree by its path (the corpus test).
        .testTarget(
            name: "SMTPCatalogTests", dependencies: ["SMTPCatalog", "CatalogFormat", "SMTPCore"],
            exclude: ["Fixtures/vendor-replies.tsv"]),
        // ClientStateMachine against the practice server's ServerSession, back to back in memory.
        .testTarget(name: "SMTPClientTests", dependencies: ["SMTPClient", "SMTPCore", "SMTPPracticeServer"]),
        // Servers/*.py: real servers others wrote (aiosmtpd), started by the tests.
        .testTarget(
            name: "SMTPShellTests",
            dependencies: ["SMTPShell", "SMTPCatalog", "SMTPPracticeServer", "SMTPClient"],
            exclude: ["Servers"]
        ),
        .testTarget(name: "LineEditorTests", dependencies: ["LineEditor"]),
    ],
    swiftLanguageModes: [.v6]
)
