/// JSON in and out of template values. Output is byte-for-byte Python's `json.dumps(x, ensure_ascii=False,
/// indent=..., separators=..., sort_keys=...)`, which is what transformers' `tojson` filter calls.
/// Input keeps dict key order and the int/float distinction, since both show in rendered templates.
extension JinjaValue {
    /// Parses JSON text (for tool schemas and other template variables read from data files).
    public init(json text: String) throws {
        var parser = JSONReader(scalars: Array(text.unicodeScalars))
        parser.skipSpace()
        self = try parser.value(depth: 0)
        parser.skipSpace()
        if parser.pos != parser.scalars.count { throw parser.error("unexpected text after the JSON value") }
    }

    /// Python `json.dumps`. `indent` nil means one line with ", " and ": "; an indent uses "," and newlines.
    func pythonJSON(indent: String?, separators: (item: String, key: String)? = nil, sortKeys: Bool = false) throws -> String {
        var out = ""
        let seps = separators ?? (indent == nil ? (", ", ": ") : (",", ": "))
        try writeJSON(into: &out, indent: indent, level: 0, separators: seps, sortKeys: sortKeys)
        return out
    }

    private func writeJSON(into out: inout String, indent: String?, level: Int, separators: (item: String, key: String), sortKeys: Bool) throws {
        func newline(_ depth: Int) {
            guard let indent else { return }
            out += "\n" + String(repeating: indent, count: depth)
        }
        switch self {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else { out += pythonFloatRepr(d) }
        case .string(let s): writeJSONString(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (k, v) in a.enumerated() {
                if k > 0 { out += separators.item }
                newline(level + 1)
                try v.writeJSON(into: &out, indent: indent, level: level + 1, separators: separators, sortKeys: sortKeys)
            }
            newline(level)
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            var pairs = o.pairs
            if sortKeys { pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
            for (k, (key, v)) in pairs.enumerated() {
                if k > 0 { out += separators.item }
                newline(level + 1)
                writeJSONString(key, into: &out)
                out += separators.key
                try v.writeJSON(into: &out, indent: indent, level: level + 1, separators: separators, sortKeys: sortKeys)
            }
            newline(level)
            out += "}"
        case .undefined, .namespace:
            throw JSONWriteError(typeName: typeName)
        }
    }
}

struct JSONWriteError: Error { var typeName: String }

private func writeJSONString(_ s: String, into out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    out += "\""
}

/// A strict JSON reader (RFC 8259) producing ordered `JinjaValue`s.
private struct JSONReader {
    let scalars: [Unicode.Scalar]
    var pos = 0

    func error(_ message: String) -> ChatTemplateError {
        var line = 1, column = 1
        for s in scalars[..<min(pos, scalars.count)] {
            if s == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return .syntax(message: "JSON: \(message)", at: TemplatePosition(line: line, column: column))
    }

    mutating func skipSpace() {
        while pos < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[pos]) { pos += 1 }
    }

    mutating func literal(_ word: String, _ value: JinjaValue) throws -> JinjaValue {
        for s in word.unicodeScalars {
            guard pos < scalars.count, scalars[pos] == s else { throw error("expected '\(word)'") }
            pos += 1
        }
        return value
    }

    mutating func value(depth: Int) throws -> JinjaValue {
        guard depth < 100 else { throw error("nested more than 100 deep") }
        guard pos < scalars.count else { throw error("unexpected end of input") }
        switch scalars[pos] {
        case "n": return try literal("null", .none)
        case "t": return try literal("true", .bool(true))
        case "f": return try literal("false", .bool(false))
        case "\"": return .string(try string())
        case "[":
            pos += 1
            var items: [JinjaValue] = []
            skipSpace()
            if pos < scalars.count, scalars[pos] == "]" { pos += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard pos < scalars.count else { throw error("unterminated array") }
                if scalars[pos] == "]" { pos += 1; return .array(items) }
                guard scalars[pos] == "," else { throw error("expected ',' or ']'") }
                pos += 1
            }
        case "{":
            pos += 1
            var o = JinjaObject()
            skipSpace()
            if pos < scalars.count, scalars[pos] == "}" { pos += 1; return .object(o) }
            while true {
                skipSpace()
                guard pos < scalars.count, scalars[pos] == "\"" else { throw error("expected a string key") }
                let key = try string()
                skipSpace()
                guard pos < scalars.count, scalars[pos] == ":" else { throw error("expected ':'") }
                pos += 1
                skipSpace()
                o[key] = try value(depth: depth + 1)
                skipSpace()
                guard pos < scalars.count else { throw error("unterminated object") }
                if scalars[pos] == "}" { pos += 1; return .object(o) }
                guard scalars[pos] == "," else { throw error("expected ',' or '}'") }
                pos += 1
            }
        default:
            return try number()
        }
    }

    mutating func number() throws -> JinjaValue {
        let start = pos
        var isFloat = false
        while pos < scalars.count {
            let s = scalars[pos]
            if ("0"..."9").contains(s) || s == "-" || s == "+" { pos += 1 }
            else if s == "." || s == "e" || s == "E" { isFloat = true; pos += 1 }
            else { break }
        }
        let text = String(String.UnicodeScalarView(scalars[start..<pos]))
        if !isFloat, let i = Int(text) { return .int(i) }
        guard !text.isEmpty, let d = Double(text) else { pos = start; throw error("invalid value") }
        return .double(d)
    }

    mutating func string() throws -> String {
        pos += 1
        var out = String.UnicodeScalarView()
        while pos < scalars.count {
            let s = scalars[pos]
            pos += 1
            if s == "\"" { return String(out) }
            if s != "\\" { out.append(s); continue }
            guard pos < scalars.count else { break }
            let e = scalars[pos]
            pos += 1
            switch e {
            case "\"", "\\", "/": out.append(e)
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "u":
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), pos + 1 < scalars.count, scalars[pos] == "\\", scalars[pos + 1] == "u" {
                    pos += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                out.append(scalar)
            default: throw error("invalid escape '\\\(e)'")
            }
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws -> UInt32 {
        guard pos + 4 <= scalars.count, let v = UInt32(String(String.UnicodeScalarView(scalars[pos..<pos + 4])), radix: 16) else {
            throw error("invalid \\u escape")
        }
        pos += 4
        return v
    }
}
