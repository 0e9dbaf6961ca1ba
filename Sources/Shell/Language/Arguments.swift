/// A validated argument value.
enum ArgumentValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case path(String)
    case list([ArgumentValue])
}

/// The validated arguments of one command, by name. Accessors return nil for an optional
/// argument that was not given and has no default.
struct Arguments: Sendable {
    var values: [String: ArgumentValue] = [:]
    /// Where each given argument's value was written (for errors a verb finds later).
    var locations: [String: SourceLocation] = [:]
    /// `key=value` pairs outside the spec, in order, when the spec accepts any option.
    var extraOptions: [(key: String, value: String, location: SourceLocation)] = []

    func string(_ name: String) -> String? {
        switch values[name] {
        case .string(let s)?, .path(let s)?: return s
        case .int(let i)?: return String(i)
        case .float(let x)?: return String(x)
        case .bool(let b)?: return String(b)
        case .list(let items)?: return items.compactMap { Arguments.text($0) }.joined(separator: ",")
        case nil: return nil
        }
    }

    func int(_ name: String) -> Int? {
        if case .int(let i)? = values[name] { return i }
        return nil
    }

    func double(_ name: String) -> Double? {
        switch values[name] {
        case .float(let x)?: return x
        case .int(let i)?: return Double(i)
        default: return nil
        }
    }

    func bool(_ name: String) -> Bool? {
        if case .bool(let b)? = values[name] { return b }
        return nil
    }

    func path(_ name: String) -> String? {
        if case .path(let p)? = values[name] { return p }
        return nil
    }

    /// A list argument as strings (each element's text).
    func list(_ name: String) -> [String]? {
        if case .list(let items)? = values[name] { return items.compactMap { Arguments.text($0) } }
        return nil
    }

    func location(of name: String) -> SourceLocation? { locations[name] }

    private static func text(_ value: ArgumentValue) -> String? {
        switch value {
        case .string(let s), .path(let s): return s
        case .int(let i): return String(i)
        case .float(let x): return String(x)
        case .bool(let b): return String(b)
        case .list: return nil
        }
    }
}
