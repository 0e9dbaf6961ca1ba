import Foundation

/// Executes a Jupyter notebook whose code cells are commands, in one session (like a kernel),
/// and returns it with each code cell's outputs as nbformat 4 expects them: text as `stream`
/// outputs, tables as `text/html` + `text/plain`, charts as `image/svg+xml` + `text/plain`,
/// failures as `error` outputs. Markdown and raw cells pass through unchanged.
struct NotebookRunner {
    /// Keep executing after a cell fails (its error is recorded either way).
    var continueOnError = false
    /// `key=value` values that replace the notebook's own `set` of those variables.
    var overrides: [(key: String, value: String, location: SourceLocation)] = []

    struct RunResult {
        var notebook: [String: Any]
        var failedCells: Int
    }

    /// Runs the notebook at `path`. Throws `NotebookError` when the file is not a notebook.
    func run(path: String) throws -> RunResult {
        var notebook = try NotebookFile.read(path)
        guard var cells = notebook["cells"] as? [[String: Any]] else {
            throw NotebookError(file: path, problem: "expected a key 'cells' holding a list of cells")
        }
        var outputs = NotebookOutputs()
        let output = Output(isTerminal: false, text: { outputs.stream("stdout", $0) },
                            error: { outputs.stream("stderr", $0) }, display: { outputs.display($0) })
        let context = CommandContext(output: output, reader: ScriptedLineReader([]))
        context.recipes.append(RecipeFrame(file: path, overrides: Dictionary(overrides.map { ($0.key, $0.value) },
                                                                             uniquingKeysWith: { $1 })))
        for (key, value, _) in overrides { context.session.setVariable(key, value) }
        var executionCount = 0
        var failed = 0
        var stopped = false
        for index in cells.indices where cells[index]["cell_type"] as? String == "code" {
            if stopped {
                cells[index]["outputs"] = [[String: Any]]()
                cells[index]["execution_count"] = NSNull()
                continue
            }
            executionCount += 1
            outputs = NotebookOutputs()
            let source = NotebookFile.text(of: cells[index]["source"])
            do {
                try context.execute(text: source, file: "\(URL(fileURLWithPath: path).lastPathComponent) cell \(executionCount)")
            } catch let exit as ExitRequest {
                stopped = exit.status != 0
            } catch {
                failed += 1
                outputs.error(error)
                stopped = !continueOnError
            }
            cells[index]["outputs"] = outputs.items
            cells[index]["execution_count"] = executionCount
        }
        notebook["cells"] = cells
        return RunResult(notebook: notebook, failedCells: failed)
    }
}

/// A notebook file that cannot be read as nbformat 4.
struct NotebookError: Error, CustomStringConvertible {
    var file: String
    var problem: String
    var description: String { "\(file): \(problem)" }
}

/// The outputs of one cell as they are produced; consecutive text on one stream is joined.
struct NotebookOutputs {
    private(set) var items: [[String: Any]] = []

    mutating func stream(_ name: String, _ text: String) {
        if var last = items.last, last["output_type"] as? String == "stream", last["name"] as? String == name {
            last["text"] = (last["text"] as? String ?? "") + text
            items[items.count - 1] = last
        } else {
            items.append(["output_type": "stream", "name": name, "text": text])
        }
    }

    mutating func display(_ item: DisplayItem) {
        let data: [String: Any]
        switch item {
        case let .table(headers, rows):
            data = ["text/html": HTMLTable.render(headers, rows), "text/plain": plainTable(headers, rows)]
        case let .chart(series, title):
            data = ["image/svg+xml": SVGChart.render(series, title: title),
                    "text/plain": TerminalChart.render(series, width: 60, height: 12, title: title)]
        }
        items.append(["output_type": "display_data", "data": data, "metadata": [String: Any]()])
    }

    mutating func error(_ error: any Error) {
        let message = String(describing: error)
        items.append(["output_type": "error", "ename": String(describing: type(of: error)), "evalue": message,
                      "traceback": [message]])
    }

    private func plainTable(_ headers: [String], _ rows: [[String]]) -> String {
        var text = ""
        let output = Output(isTerminal: false, text: { text += $0 }, error: { _ in })
        output.table(headers, rows)
        return text
    }
}

/// A table as a small HTML document fragment (cells escaped).
enum HTMLTable {
    static func render(_ headers: [String], _ rows: [[String]]) -> String {
        var html = "<table>\n<thead><tr>" + headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return html + "</tbody>\n</table>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
