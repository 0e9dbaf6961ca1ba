import Foundation

/// Where commands write: text for the user (stdout), errors and warnings (stderr). Writes go
/// straight to the file descriptors (no stdio buffering), so output and errors interleave in order.
final class Output {
    /// Whether stdout is a terminal (progress bars and colors) or a pipe/file (plain log lines).
    let isTerminal: Bool
    private let writeText: (String) -> Void
    private let writeError: (String) -> Void

    init(isTerminal: Bool, text: @escaping (String) -> Void, error: @escaping (String) -> Void) {
        self.isTerminal = isTerminal
        self.writeText = text
        self.writeError = error
    }

    /// stdout and stderr of this process.
    static func standard() -> Output {
        Output(isTerminal: isatty(1) == 1,
               text: { writeAll(1, $0) },
               error: { writeAll(2, $0) })
    }

    /// Writes text as is (no newline added).
    func write(_ text: String) { writeText(text) }

    /// Writes one line.
    func line(_ text: String = "") { writeText(text + "\n") }

    /// Writes one line to the error stream.
    func error(_ text: String) { writeError(text + "\n") }

    /// Writes rows as aligned columns under a header line.
    func table(_ headers: [String], _ rows: [[String]]) {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        line(render(headers))
        for row in rows { line(render(row)) }
    }
}

/// Writes all of `text` to a file descriptor, retrying on partial writes and EINTR.
func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        bytes = bytes.dropFirst(written)
    }
}
