import Foundation

/// A parsed JSON value together with its file and path (`model.merges[3]`), so every accessor
/// can throw an error that says exactly where the file disagrees with what we expect.
/// Used only while loading; the tokenizer itself holds typed values.
struct JSONNode {
    let value: Any
    let file: String
    let path: String

    /// Parses `data`; a syntax error names the file.
    static func parse(_ data: Data, file: String) throws -> JSONNode {
        do {
            let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return JSONNode(value: value, file: file, path: "$")
        } catch {
            throw TokenizerError.invalidJSON(file: file, reason: "\(error.localizedDescription)")
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

    var isNull: Bool { value is NSNull }

    func fail(_ expected: String) -> TokenizerError {
        .malformed(file: file, path: path, expected: expected)
    }

    private func childPath(_ key: String) -> String { path == "$" ? key : "\(path).\(key)" }

    /// The member `key`, or nil when absent or null.
    func optional(_ key: String) throws -> JSONNode? {
        guard let object = value as? [String: Any] else { throw fail("an object") }
        guard let member = object[key], !(member is NSNull) else { return nil }
        return JSONNode(value: member, file: file, path: childPath(key))
    }

    /// The member `key`, which must exist and not be null.
    func required(_ key: String) throws -> JSONNode {
        guard let node = try optional(key) else {
            throw TokenizerError.malformed(file: file, path: childPath(key), expected: "a value")
        }
        return node
    }

    func string() throws -> String {
        guard let s = value as? String else { throw fail("a string") }
        return s
    }

    func bool() throws -> Bool {
        if let b = value as? Bool { return b }
        throw fail("true or false")
    }

    func int() throws -> Int {
        if let i = value as? Int { return i }
        if let n = value as? NSNumber, let i = Int(exactly: n.doubleValue) { return i }
        throw fail("an integer")
    }

    func array() throws -> [JSONNode] {
        guard let items = value as? [Any] else { throw fail("an array") }
        return items.enumerated().map { JSONNode(value: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// Members of an object, sorted by key so results never depend on hash order.
    func members() throws -> [(key: String, node: JSONNode)] {
        guard let object = value as? [String: Any] else { throw fail("an object") }
        return object.keys.sorted().map { ($0, JSONNode(value: object[$0]!, file: file, path: childPath($0))) }
    }

    // Convenience for optional scalars with defaults.
    func string(_ key: String) throws -> String? { try optional(key)?.string() }
    func bool(_ key: String, default fallback: Bool) throws -> Bool { try optional(key)?.bool() ?? fallback }
    func int(_ key: String) throws -> Int? { try optional(key)?.int() }
}
