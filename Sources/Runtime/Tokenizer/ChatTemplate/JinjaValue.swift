/// A value a chat template sees: the Python objects transformers hands to Jinja (str, int, float,
/// bool, None, list, dict) plus Jinja's own Undefined and namespace().
public enum JinjaValue: Sendable {
    /// A name or key that does not exist; `reason` is Jinja's message if it is used as a value.
    case undefined(reason: String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// Python list (and tuple: templates cannot tell them apart except by printing).
    case array([JinjaValue])
    /// Python dict with its insertion order (it shows in `tojson` and `items`).
    case object(JinjaObject)
    /// `namespace(...)`: a mutable object shared by reference, so `set ns.x` inside a loop is seen outside it.
    case namespace(JinjaNamespace)

    public static func undefined(_ name: String) -> JinjaValue { .undefined(reason: "'\(name)' is undefined") }

    public var isUndefined: Bool { if case .undefined = self { return true }; return false }
    public var isNone: Bool { if case .none = self { return true }; return false }

    /// Python truthiness (Undefined is falsy).
    public var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        case .namespace: return true
        }
    }

    /// Python type names, for error messages that read like Jinja's.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        case .namespace: return "Namespace"
        }
    }
}

/// An insertion-ordered string-keyed dictionary (Python dict semantics for the keys templates use).
/// Template dicts are small (messages, loop state), so lookups scan a key array until it grows past
/// `indexThreshold` and only then pay for a hash index.
public struct JinjaObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [JinjaValue] = []
    private var index: [String: Int]? = nil
    private static let indexThreshold = 16

    public init() {}
    public init(_ pairs: [(String, JinjaValue)]) {
        keys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    public var isEmpty: Bool { keys.isEmpty }
    public var count: Int { keys.count }
    public var pairs: [(String, JinjaValue)] { Array(zip(keys, values)) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return keys.firstIndex(of: key)
    }

    public subscript(key: String) -> JinjaValue? {
        get { position(of: key).map { values[$0] } }
        set {
            if let newValue {
                if let p = position(of: key) { values[p] = newValue; return }
                keys.append(key)
                values.append(newValue)
                if index != nil { index![key] = keys.count - 1 }
                else if keys.count > JinjaObject.indexThreshold {
                    index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
                }
            } else if let p = position(of: key) {
                keys.remove(at: p)
                values.remove(at: p)
                if index != nil { index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }) }
            }
        }
    }

    /// Python dict equality ignores order.
    public static func == (a: JinjaObject, b: JinjaObject) -> Bool {
        guard a.count == b.count else { return false }
        for (k, v) in zip(a.keys, a.values) where b[k] != v { return false }
        return true
    }
}

/// The object behind `namespace()`. It is created and mutated only inside one render call, on one
/// thread; the reference is what gives Jinja's semantics (assignments in a loop body survive the loop).
public final class JinjaNamespace: @unchecked Sendable {
    var attributes: JinjaObject
    init(_ attributes: JinjaObject) { self.attributes = attributes }
}

extension JinjaValue: Equatable {
    /// Python `==`: 1 == 1.0 == True; Undefined equals only Undefined; namespaces by identity.
    public static func == (a: JinjaValue, b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x == y
        case (.namespace(let x), .namespace(let y)): return x === y
        default:
            if let x = a.numeric, let y = b.numeric { return x == y }
            return false
        }
    }

    /// The value as a number if Python would compare it numerically (bool counts as int).
    var numeric: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Integer view for int and bool (Python's bool is an int).
    var integer: Int? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        default: return nil
        }
    }
}

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .object(JinjaObject(elements)) }
}

// MARK: - Python str() and repr()

extension JinjaValue {
    /// What `{{ value }}` prints: Python `str(value)`, with Undefined printing as nothing.
    var pythonStr: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pythonRepr
        }
    }

    /// Python `repr(value)`: how values print inside lists and dicts.
    var pythonRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return pythonFloatRepr(d)
        case .string(let s): return pythonStringRepr(s)
        case .array(let a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.pairs.map { pythonStringRepr($0.0) + ": " + $0.1.pythonRepr }.joined(separator: ", ") + "}"
        case .namespace(let n): return "<Namespace " + JinjaValue.object(n.attributes).pythonRepr + ">"
        }
    }
}

/// Python's float repr. Swift's `description` already prints the shortest round-trip digits with the
/// same layout rules (1.0, 0.0001, 1e-05, 1e+16), checked against CPython; only nan/inf differ.
func pythonFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    return d.description
}

/// Python's str repr: single quotes unless the text has a ' and no ", escapes for control characters.
func pythonStringRepr(_ s: String) -> String {
    let quote: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
    var out = String(quote)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(scalar) == quote { out += "\\" + String(quote) }
            else if scalar.value < 0x20 || scalar.value == 0x7f { out += String(format: "\\x%02x", scalar.value) }
            else { out.unicodeScalars.append(scalar) }
        }
    }
    out.append(quote)
    return out
}
