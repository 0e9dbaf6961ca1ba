import Foundation

/// Output richer than text, which a front end may show its own way (a notebook: a table as
/// HTML, a chart as SVG). Without such a front end it is rendered as text.
enum DisplayItem {
    case table(headers: [String], rows: [[String]])
    case chart(series: [ChartSeries], title: String)
}

/// Where commands write: text for the user (stdout), errors and warnings (stderr). Writes go
/// straight to the file descriptors (no stdio buffering), so output and errors interleave in order.
final class Output {
    /// Whether stdout is a terminal (progress bars and colors) or a pipe/file (plain log lines).
    let isTerminal: Bool
    private let writeText: (String) -> Void
    private let writeError: (String) -> Void
    private let display: ((DisplayItem) -> Void)?

    /// `display` receives tables and charts instead of their text rendering, when given.
    init(isTerminal: Bool, text: @escaping (String) -> Void, error: @escaping (String) -> Void,
         display: ((DisplayItem) -> Void)? = nil) {
        self.isTerminal = isTerminal
        self.writeText = text
        self.writeError = error
        self.display = display
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

    /// Shows a line chart: as text (braille) unless the front end displays charts itself.
    func chart(_ series: [ChartSeries], title: String, width: Int = 60, height: Int = 12) {
        if let display { return display(.chart(series: series, title: title)) }
        line(TerminalChart.render(series, width: width, height: height, title: title))
    }

    /// Writes rows as aligned columns under a header line.
    func table(_ headers: [String], _ rows: [[String]]) {
        if let display { return display(.table(headers: headers, rows: rows)) }
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
