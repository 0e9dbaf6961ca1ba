import Foundation

/// A parsed JSON value together with its file and path (`model.merges[3]`), so every accessor
/// can throw an error that says exactly where the file disagrees with what we expect.
/// Used only while loading; the tokenizer itself holds typed values.
struct JSONNode {
    let value: JSONValue
    let file: String
    let path: String

    /// Parses `data`; a syntax error names the file, line and column.
    static func parse(_ data: Data, file: String) throws -> JSONNode {
        do {
            return JSONNode(value: try JSONValue.parse(Array(data)), file: file, path: "$")
        } catch let e as JSONValue.SyntaxError {
            throw TokenizerError.invalidJSON(file: file, reason: "line \(e.line), column \(e.column): \(e.reason)")
        }
    }

    /// Reads and parses a file.
    static func read(_ url: URL) throws -> JSONNode {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try parse(data, file: url.path)
    }

    func fail(_ expected: String) -> TokenizerError {
        .malformed(file: file, path: path, expected: expected)
    }

    private func childPath(_ key: String) -> String { path == "$" ? key : "\(path).\(key)" }

    /// The member `key`, or nil when absent or null.
    func optional(_ key: String) throws -> JSONNode? {
        guard case .object(let members) = value else { throw fail("an object") }
        guard let member = members.first(where: { $0.key.utf8.elementsEqual(key.utf8) }) else { return nil }
        if case .null = member.value { return nil }
        return JSONNode(value: member.value, file: file, path: childPath(key))
    }

    /// The member `key`, which must exist and not be null.
    func required(_ key: String) throws -> JSONNode {
        guard let node = try optional(key) else {
            throw TokenizerError.malformed(file: file, path: childPath(key), expected: "a value")
        }
        return node
    }

    var stringValue: String? { if case .string(let s) = value { return s }; return nil }

    func string() throws -> String {
        guard let s = stringValue else { throw fail("a string") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw fail("true or false") }
        return b
    }

    func int() throws -> Int {
        guard case .number(let d) = value, let i = Int(exactly: d) else { throw fail("an integer") }
        return i
    }

    func array() throws -> [JSONNode] {
        guard case .array(let items) = value else { throw fail("an array") }
        return items.enumerated().map { JSONNode(value: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// Members of an object in file order, with their exact spelling.
    func members() throws -> [(key: String, node: JSONNode)] {
        guard case .object(let members) = value else { throw fail("an object") }
        return members.map { ($0.key, JSONNode(value: $0.value, file: file, path: childPath($0.key))) }
    }

    // Convenience for optional scalars with defaults.
    func string(_ key: String) throws -> String? { try optional(key)?.string() }
    func bool(_ key: String, default fallback: Bool) throws -> Bool { try optional(key)?.bool() ?? fallback }
    func int(_ key: String) throws -> Int? { try optional(key)?.int() }
}
