/// Where a piece of command text came from: a recipe file (or `<repl>`), 1-based line and column.
struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    var file: String
    var line: Int
    var column: Int

    var description: String { "\(file):\(line):\(column)" }
}

/// A parse or validation error: what was expected, where, and the closest valid word if any.
struct LanguageError: Error, Sendable, Equatable, CustomStringConvertible {
    var location: SourceLocation
    var message: String
    var suggestion: String?
    /// The input stopped inside a line continuation: the REPL reads another line instead.
    var isIncompleteInput = false

    init(_ message: String, at location: SourceLocation, suggestion: String? = nil) {
        self.message = message
        self.location = location
        self.suggestion = suggestion
    }

    var description: String {
        var text = "\(location): error: \(message)"
        if let suggestion { text += " (did you mean '\(suggestion)'?)" }
        return text
    }
}
