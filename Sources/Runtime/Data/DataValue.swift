/// One value of a data row: what JSON can hold (CSV cells are always strings).
public indirect enum DataValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([DataValue])
    case object([(key: String, value: DataValue)])

    public static func == (a: DataValue, b: DataValue) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value of `key` in an object (the last one when a key repeats, as Python's `json` reads
    /// it), nil for other kinds or a missing key.
    public subscript(key: String) -> DataValue? {
        if case let .object(pairs) = self { return pairs.last { $0.key == key }?.value }
        return nil
    }

    /// The name of the value's kind, as used in error messages ("a string", "an array", ...).
    public var kindName: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// One row of a loaded data set: its fields in file order and the line it starts on.
public struct DataRow: Sendable, Equatable {
    public var fields: [(key: String, value: DataValue)]
    /// 1-based line of the file where the row starts (JSONL: its line; CSV: its first physical line).
    public var line: Int

    public init(fields: [(key: String, value: DataValue)], line: Int) {
        self.fields = fields
        self.line = line
    }

    /// The field's value; the last one when a key repeats (as Python's `json` reads it).
    public subscript(key: String) -> DataValue? { fields.last { $0.key == key }?.value }

    public var keys: [String] { fields.map(\.key) }

    public static func == (a: DataRow, b: DataRow) -> Bool {
        a.line == b.line && DataValue.object(a.fields) == DataValue.object(b.fields)
    }
}
