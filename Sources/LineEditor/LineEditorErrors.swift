/// Standard input or standard output is not a terminal: read lines without the editor.
public struct NotATerminal: Error, Hashable, CustomStringConvertible {
    public init() {}

    public var description: String { "standard input or output is not a terminal" }
}

/// libedit or the system refused something the editor needs to start.
public struct LineEditorSetupFailed: Error, Hashable, CustomStringConvertible {
    /// What failed (`el_init`, `history_init`, `pipe2`).
    public var step: String
    public var errno: Int32

    public init(step: String, errno: Int32 = 0) {
        self.step = step
        self.errno = errno
    }

    public var description: String { "line editor setup failed at \(step) (errno \(errno))" }
}

/// The history file could not be written.
public struct HistoryFileError: Error, Hashable, CustomStringConvertible {
    public var path: String
    public var errno: Int32

    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }

    public var description: String { "cannot write the history file \(path) (errno \(errno))" }
}
