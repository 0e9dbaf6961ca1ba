/// One metadata value of a GGUF file (the key/value section before the tensor infos).
/// Integers of every width collapse to `.uint`/`.int`, floats to `.float`, so readers of
/// metadata (tokenizer, model config) do not care which width the writer chose.
public enum GGUFValue: Sendable, Equatable {
    case uint(UInt64)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var arrayValue: [GGUFValue]? { if case .array(let a) = self { return a }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var doubleValue: Double? {
        switch self {
        case .float(let f): return f
        case .int(let i): return Double(i)
        case .uint(let u): return Double(u)
        default: return nil
        }
    }
    public var intValue: Int? {
        switch self {
        case .int(let i): return Int(exactly: i)
        case .uint(let u): return Int(exactly: u)
        case .float(let f): return Int(exactly: f)
        default: return nil
        }
    }
}
