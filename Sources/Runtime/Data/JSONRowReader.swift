/// A small JSON reader that remembers lines, so that an error or a bad row can be named by its
/// line in the user's file (Foundation's parser only gives byte offsets, and not for rows).
/// Reads RFC 8259 JSON over UTF-8 bytes; nesting deeper than `maxDepth` is refused, not recursed.
struct JSONRowReader {
    static let maxDepth = 256

    private let bytes: [UInt8]
    private let file: String
    private var pos = 0
    private var line = 1
    private var lineStart = 0

    init(bytes: [UInt8], file: String, firstLine: Int = 1) {
        self.bytes = bytes
        self.file = file
        self.line = firstLine
    }

    /// The rows of a file holding one JSON array of objects.
    static func rowsOfArray(_ bytes: [UInt8], file: String) throws -> [DataRow] {
        var reader = JSONRowReader(bytes: bytes, file: file)
        reader.skipByteOrderMark()
        reader.skipWhitespace()
        guard reader.peek() == UInt8(ascii: "[") else {
            throw reader.error("expected a JSON array of objects ('[' ...), found \(reader.describeNext())")
        }
        reader.pos += 1
        var rows: [DataRow] = []
        reader.skipWhitespace()
        if reader.peek() == UInt8(ascii: "]") {
            reader.pos += 1
        } else {
            while true {
                reader.skipWhitespace()
                let rowLine = reader.line
                let value = try reader.parseValue(depth: 1)
                guard case let .object(fields) = value else {
                    throw DataError(file: file, line: rowLine, "row \(rows.count + 1) is \(value.kindName), expected an object")
                }
                rows.append(DataRow(fields: fields, line: rowLine))
                reader.skipWhitespace()
                guard let next = reader.peek() else { throw reader.error("unterminated array: expected ',' or ']'") }
                reader.pos += 1
                if next == UInt8(ascii: "]") { break }
                guard next == UInt8(ascii: ",") else {
                    reader.pos -= 1
                    throw reader.error("expected ',' or ']' after a row, found \(reader.describeNext())")
                }
            }
        }
        reader.skipWhitespace()
        guard reader.pos == bytes.count else { throw reader.error("unexpected \(reader.describeNext()) after the array") }
        return rows
    }

    /// The rows of a JSON Lines file: one object per non-blank line.
    static func rowsOfLines(_ bytes: [UInt8], file: String) throws -> [DataRow] {
        var rows: [DataRow] = []
        var start = 0
        var lineNumber = 1
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let slice = Array(bytes[start..<end])
            if slice.contains(where: { !JSONRowReader.isWhitespace($0) }) {
                var reader = JSONRowReader(bytes: slice, file: file, firstLine: lineNumber)
                reader.skipWhitespace()
                let value = try reader.parseValue(depth: 1)
                reader.skipWhitespace()
                guard reader.pos == slice.count else {
                    throw reader.error("unexpected \(reader.describeNext()) after the row's object (one JSON object per line)")
                }
                guard case let .object(fields) = value else {
                    throw DataError(file: file, line: lineNumber, "line holds \(value.kindName), expected a JSON object")
                }
                rows.append(DataRow(fields: fields, line: lineNumber))
            }
            start = end + 1
            lineNumber += 1
        }
        return rows
    }

    /// Parses one whole JSON document (used for cells that hold JSON, e.g. CSV `messages`).
    static func value(of text: String, file: String, line: Int) throws -> DataValue {
        var reader = JSONRowReader(bytes: Array(text.utf8), file: file, firstLine: line)
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 1)
        reader.skipWhitespace()
        guard reader.pos == reader.bytes.count else { throw reader.error("unexpected \(reader.describeNext()) after JSON value") }
        return value
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws -> DataValue {
        guard depth <= JSONRowReader.maxDepth else { throw error("JSON nested deeper than \(JSONRowReader.maxDepth) levels") }
        guard let c = peek() else { throw error("unexpected end of input, expected a JSON value") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("expected a JSON value, found \(describeNext())")
        }
    }

    private mutating func parseObject(depth: Int) throws -> DataValue {
        pos += 1
        var fields: [(key: String, value: DataValue)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { pos += 1; return .object(fields) }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a quoted key, found \(describeNext())") }
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\", found \(describeNext())") }
            pos += 1
            skipWhitespace()
            fields.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard let next = peek() else { throw error("unterminated object: expected ',' or '}'") }
            pos += 1
            if next == UInt8(ascii: "}") { return .object(fields) }
            guard next == UInt8(ascii: ",") else { pos -= 1; throw error("expected ',' or '}' in object, found \(describeNext())") }
        }
    }

    private mutating func parseArray(depth: Int) throws -> DataValue {
        pos += 1
        var items: [DataValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard let next = peek() else { throw error("unterminated array: expected ',' or ']'") }
            pos += 1
            if next == UInt8(ascii: "]") { return .array(items) }
            guard next == UInt8(ascii: ",") else { pos -= 1; throw error("expected ',' or ']' in array, found \(describeNext())") }
        }
    }

    private mutating func parseString() throws -> String {
        pos += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw error("unterminated string") }
            pos += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard let e = peek() else { throw error("unterminated escape") }
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out.append(contentsOf: try parseUnicodeEscape())
                default: pos -= 1; throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            case 0..<0x20:
                pos -= 1
                throw error(c == 0x0A ? "line break inside a string (write \\n)" : "control character inside a string")
            default:
                out.append(c)
            }
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }

    private mutating func parseUnicodeEscape() throws -> [UInt8] {
        var code = try parseHex4()
        if (0xD800..<0xDC00).contains(code) {
            guard peek() == UInt8(ascii: "\\"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate in \\u escape")
            }
            pos += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(code) {
            throw error("unpaired surrogate in \\u escape")
        }
        guard let scalar = Unicode.Scalar(code) else { throw error("invalid code point in \\u escape") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func parseNumber() throws -> Double {
        let start = pos
        while let c = peek(), c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
            pos += 1
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        guard Self.isJSONNumber(text), let v = Double(text) else {
            pos = start
            throw error("invalid number '\(text)'")
        }
        return v
    }

    /// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private static func isJSONNumber(_ s: String) -> Bool {
        var it = Array(s.utf8)[...]
        func digits() -> Int {
            var n = 0
            while let c = it.first, (48...57).contains(c) { it.removeFirst(); n += 1 }
            return n
        }
        if it.first == UInt8(ascii: "-") { it.removeFirst() }
        if it.first == UInt8(ascii: "0") { it.removeFirst() } else if digits() == 0 { return false }
        if it.first == UInt8(ascii: ".") { it.removeFirst(); if digits() == 0 { return false } }
        if let c = it.first, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            it.removeFirst()
            if let s = it.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { it.removeFirst() }
            if digits() == 0 { return false }
        }
        return it.isEmpty
    }

    private mutating func expectWord(_ word: String) throws {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else {
            throw error("expected a JSON value, found \(describeNext())")
        }
        pos += w.count
    }

    // MARK: - Positions

    private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    private mutating func skipByteOrderMark() {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3; lineStart = 3 }
    }

    private mutating func skipWhitespace() {
        while let c = peek(), Self.isWhitespace(c) {
            pos += 1
            if c == 0x0A { line += 1; lineStart = pos }
        }
    }

    private func describeNext() -> String {
        guard pos < bytes.count else { return "end of input" }
        var end = pos
        while end < bytes.count && end < pos + 12 && bytes[end] != 0x0A { end += 1 }
        return "'\(String(decoding: bytes[pos..<max(end, pos + 1)], as: UTF8.self))'"
    }

    private func error(_ reason: String) -> DataError {
        // Column in characters: count UTF-8 lead bytes between the line start and the position.
        let column = bytes[lineStart..<min(pos, bytes.count)].reduce(1) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) }
        return DataError(file: file, line: line, column: column, reason)
    }
}
