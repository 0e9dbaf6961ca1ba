/// Everything that can go wrong turning a user's data file into training examples. Each case
/// names where (file, line, key) and what was expected, so the shell can show it as is.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in (as given by the user), or "" for data built in memory.
    public var file: String
    /// 1-based line of the file where the offending row or token starts; nil when not tied to a line.
    public var line: Int?
    /// 1-based column (characters) inside the line, for syntax errors.
    public var column: Int?
    /// The row's key or column name involved, if any.
    public var key: String?
    /// What was wrong and what was expected.
    public var reason: String

    public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, _ reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.reason = reason
    }

    public var description: String {
        var place = file.isEmpty ? "data" : file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        if let key { place += " key '\(key)'" }
        return "\(place): \(reason)"
    }
}
