import Foundation

/// Reading and writing .ipynb files (nbformat 4 JSON).
enum NotebookFile {
    /// The notebook's top-level object. Throws naming the file when it is not nbformat 4.
    static func read(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NotebookError(file: path, problem: "cannot be read (does it exist?)")
        }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw NotebookError(file: path, problem: "is not valid JSON")
        }
        guard let notebook = root as? [String: Any] else { throw NotebookError(file: path, problem: "expected a JSON object") }
        guard notebook["nbformat"] as? Int == 4 else {
            throw NotebookError(file: path, problem: "expected \"nbformat\": 4 (found \(notebook["nbformat"] ?? "none"))")
        }
        return notebook
    }

    /// A cell's `source`, given as one string or a list of lines.
    static func text(of source: Any?) -> String {
        if let text = source as? String { return text }
        if let lines = source as? [String] { return lines.joined() }
        return ""
    }

    /// Writes the notebook atomically, with stable key order and one-space indents as Jupyter does.
    static func write(_ notebook: [String: Any], to path: String) throws {
        var data = try JSONSerialization.data(withJSONObject: notebook,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
