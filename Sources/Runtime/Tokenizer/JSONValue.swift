/// A JSON document as parsed by our own reader. Object members keep their order and their exact
/// spelling: Foundation's parser builds Swift dictionaries, whose String keys compare by Unicode
/// canonical equivalence, and so silently merges vocabulary entries like ";" (U+003B) and the
/// Greek question mark (U+037E) that real SentencePiece vocabularies (Gemma) hold both of.
enum JSONValue {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// Where parsing stopped and why.
    struct SyntaxError: Error { let line: Int, column: Int, reason: String }

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { p in
            var reader = JSONReader(p: p)
            let value = try reader.value()
            reader.skipSpace()
            guard reader.at == p.count else { throw reader.error("unexpected text after the document") }
            return value
        }
    }
}

/// One member of a JSON object, spelled as in the file.
struct JSONMember {
    let key: String
    let value: JSONValue
}

private struct JSONReader {
    let p: UnsafeBufferPointer<UInt8>
    var at = 0

    func error(_ reason: String) -> JSONValue.SyntaxError {
        var line = 1, column = 1
        for i in 0..<min(at, p.count) {
            if p[i] == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return .init(line: line, column: column, reason: reason)
    }

    mutating func skipSpace() {
        while at < p.count, p[at] == 0x20 || p[at] == 0x0A || p[at] == 0x0D || p[at] == 0x09 { at += 1 }
    }

    mutating func value() throws -> JSONValue {
        skipSpace()
        guard at < p.count else { throw error("unexpected end of file") }
        switch p[at] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard at + n <= p.count, (0..<n).allSatisfy({ p[at + $0] == word.utf8Start[$0] }) else {
            throw error("expected \(word)")
        }
        at += n
    }

    mutating func object() throws -> JSONValue {
        at += 1
        var members: [JSONMember] = []
        skipSpace()
        if at < p.count, p[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
        while true {
            skipSpace()
            guard at < p.count, p[at] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try string()
            skipSpace()
            guard at < p.count, p[at] == UInt8(ascii: ":") else { throw error("expected ':'") }
            at += 1
            members.append(JSONMember(key: key, value: try value()))
            skipSpace()
            guard at < p.count else { throw error("unexpected end of file in an object") }
            if p[at] == UInt8(ascii: ",") { at += 1; continue }
            if p[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            throw error("expected ',' or '}'")
        }
    }

    mutating func array() throws -> JSONValue {
        at += 1
        var items: [JSONValue] = []
        skipSpace()
        if at < p.count, p[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
        while true {
            items.append(try value())
            skipSpace()
            guard at < p.count else { throw error("unexpected end of file in an array") }
            if p[at] == UInt8(ascii: ",") { at += 1; continue }
            if p[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            throw error("expected ',' or ']'")
        }
    }

    mutating func number() throws -> Double {
        let start = at
        while at < p.count, (p[at] >= UInt8(ascii: "0") && p[at] <= UInt8(ascii: "9")) || p[at] == UInt8(ascii: "-")
                || p[at] == UInt8(ascii: "+") || p[at] == UInt8(ascii: ".") || p[at] == UInt8(ascii: "e")
                || p[at] == UInt8(ascii: "E") { at += 1 }
        guard at > start, let d = Double(String(decoding: UnsafeBufferPointer(rebasing: p[start..<at]), as: UTF8.self)) else {
            at = start
            throw error("expected a value")
        }
        return d
    }

    mutating func hex4() throws -> UInt32 {
        guard at + 4 <= p.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = p[at]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("bad \\u escape")
            }
            v = v << 4 | digit
            at += 1
        }
        return v
    }

    mutating func string() throws -> String {
        at += 1  // opening quote
        let start = at
        // Fast path: no escapes.
        while at < p.count, p[at] != UInt8(ascii: "\""), p[at] != UInt8(ascii: "\\") { at += 1 }
        guard at < p.count else { throw error("unterminated string") }
        if p[at] == UInt8(ascii: "\"") {
            defer { at += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: p[start..<at]), as: UTF8.self)
        }
        var out = Array(p[start..<at])
        while at < p.count {
            let c = p[at]
            if c == UInt8(ascii: "\"") { at += 1; return String(decoding: out, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else { out.append(c); at += 1; continue }
            at += 1
            guard at < p.count else { break }
            let e = p[at]
            at += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if (0xD800..<0xDC00).contains(v), at + 6 <= p.count, p[at] == UInt8(ascii: "\\"), p[at + 1] == UInt8(ascii: "u") {
                    at += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) { v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00) } else { v = 0xFFFD }
                }
                out += Array(String(Character(Unicode.Scalar(v) ?? "\u{FFFD}")).utf8)
            default: out.append(e)  // \" \\ \/
            }
        }
        throw error("unterminated string")
    }
}
