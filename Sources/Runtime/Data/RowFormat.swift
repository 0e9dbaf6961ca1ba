import Foundation

/// How the columns of a row are read as a training example.
public enum RowFormat: String, Sendable, CaseIterable {
    /// `instruction`, optional `input`, `output` (Stanford Alpaca).
    case alpaca
    /// `prompt` and `completion` strings (TRL's prompt-completion type).
    case promptCompletion = "prompt-completion"
    /// `messages`: a list of `{role, content}` objects (TRL's conversational type).
    case messages
    /// `text`: one string trained on whole (language modeling).
    case text

    /// The format the columns imply, checked in this order: `messages`; `instruction` + `output`;
    /// `prompt` + `completion`; `text`. Nil when none fits.
    public static func detect(columns: [String]) -> RowFormat? {
        let has = Set(columns)
        if has.contains("messages") { return .messages }
        if has.contains("instruction") && has.contains("output") { return .alpaca }
        if has.contains("prompt") && has.contains("completion") { return .promptCompletion }
        if has.contains("text") { return .text }
        return nil
    }

    /// The canonical columns the format reads (optional ones included).
    public var columns: [String] {
        switch self {
        case .alpaca: return ["instruction", "input", "output"]
        case .promptCompletion: return ["prompt", "completion"]
        case .messages: return ["messages"]
        case .text: return ["text"]
        }
    }
}

/// Which file column feeds each canonical column, e.g. `prompt=instruction,completion=output`.
public struct ColumnMapping: Sendable, Equatable {
    /// canonical name -> column in the file
    public var sources: [String: String]

    public init(_ sources: [String: String] = [:]) { self.sources = sources }

    /// Parses `canonical=column` pairs separated by commas. Throws on a pair without `=`, an empty
    /// name, or a canonical name given twice.
    public init(parsing spec: String) throws {
        var sources: [String: String] = [:]
        for part in spec.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                throw DataError(file: "", "column mapping '\(part)': expected canonical=column, e.g. prompt=instruction")
            }
            guard sources[pair[0]] == nil else {
                throw DataError(file: "", key: pair[0], "column mapping names '\(pair[0])' twice")
            }
            sources[pair[0]] = pair[1]
        }
        self.sources = sources
    }

    /// The row with each mapped canonical column added under its canonical name (the original
    /// columns stay, so a template file can still name them).
    public func apply(to row: DataRow) -> DataRow {
        guard !sources.isEmpty else { return row }
        var out = row
        for (canonical, column) in sources.sorted(by: { $0.key < $1.key }) {
            guard let value = row[column] else { continue }
            out.fields.removeAll { $0.key == canonical }
            out.fields.append((canonical, value))
        }
        return out
    }
}

/// One message of a conversation.
public struct ConversationTurn: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// What a row says, once its format is known.
public enum ExampleContent: Sendable, Equatable {
    case instruction(instruction: String, input: String, output: String)
    case promptCompletion(prompt: String, completion: String)
    case conversation([ConversationTurn])
    case text(String)
}

/// A row read in its format: the content, and the (mapped) row it came from, whose fields a
/// template file may name.
public struct SourceExample: Sendable, Equatable {
    public var content: ExampleContent
    public var row: DataRow
    /// Position of the row in its table (0-based).
    public var index: Int

    public init(content: ExampleContent, row: DataRow, index: Int) {
        self.content = content
        self.row = row
        self.index = index
    }
}

extension DataTable {
    /// Reads every row in `format` (detected from the first row's mapped columns when nil).
    /// Throws naming the file, the row's line and the key when a column is missing or has the
    /// wrong type, and when no format fits the columns.
    public func examples(format: RowFormat? = nil, mapping: ColumnMapping = ColumnMapping()) throws -> [SourceExample] {
        let mapped = rows.map(mapping.apply(to:))
        guard let first = mapped.first else { throw DataError(file: source, "the data set is empty: no rows") }
        guard let format = format ?? RowFormat.detect(columns: first.keys) else {
            throw DataError(file: source, line: first.line,
                            "cannot tell the format from the columns \(first.keys): expected 'messages', "
                                + "'instruction'+'output', 'prompt'+'completion' or 'text' (or map columns, e.g. prompt=question)")
        }
        return try mapped.enumerated().map { index, row in
            SourceExample(content: try content(of: row, format: format), row: row, index: index)
        }
    }

    private func content(of row: DataRow, format: RowFormat) throws -> ExampleContent {
        switch format {
        case .alpaca:
            return .instruction(instruction: try string(row, "instruction"),
                                input: try string(row, "input", optional: true),
                                output: try string(row, "output"))
        case .promptCompletion:
            return .promptCompletion(prompt: try string(row, "prompt"), completion: try string(row, "completion"))
        case .text:
            return .text(try string(row, "text"))
        case .messages:
            return .conversation(try turns(row))
        }
    }

    private func string(_ row: DataRow, _ key: String, optional: Bool = false) throws -> String {
        switch row[key] {
        case let .string(s)?: return s
        case nil, .null?:
            if optional { return "" }
            throw DataError(file: source, line: row.line, key: key,
                            "missing column '\(key)' (the row has \(row.keys))")
        case let value?:
            throw DataError(file: source, line: row.line, key: key, "expected a string, found \(value.kindName)")
        }
    }

    private func turns(_ row: DataRow) throws -> [ConversationTurn] {
        var value = row["messages"]
        if case let .string(text)? = value {
            // CSV cells hold the list as JSON text.
            do {
                value = try JSONRowReader.value(of: text, file: source, line: row.line)
            } catch let e as DataError {
                throw DataError(file: source, line: row.line, key: "messages",
                                "the text is not a JSON list of {role, content}: \(e.reason) (column \(e.column ?? 0))")
            }
        }
        guard let value else {
            throw DataError(file: source, line: row.line, key: "messages", "missing column 'messages' (the row has \(row.keys))")
        }
        guard case let .array(items) = value else {
            throw DataError(file: source, line: row.line, key: "messages", "expected a list of {role, content}, found \(value.kindName)")
        }
        guard !items.isEmpty else {
            throw DataError(file: source, line: row.line, key: "messages", "the conversation has no messages")
        }
        return try items.enumerated().map { i, item in
            let key = "messages[\(i)]"
            guard case .object = item else {
                throw DataError(file: source, line: row.line, key: key, "expected an object {role, content}, found \(item.kindName)")
            }
            guard case let .string(role)? = item["role"], !role.isEmpty else {
                throw DataError(file: source, line: row.line, key: key + ".role", "expected a non-empty string role")
            }
            guard case let .string(content)? = item["content"] else {
                throw DataError(file: source, line: row.line, key: key + ".content",
                                "expected a string content, found \(item["content"]?.kindName ?? "nothing")")
            }
            return ConversationTurn(role: role, content: content)
        }
    }
}
