/// Everything that can go wrong while reading a tokenizer from files or metadata, or decoding
/// bytes that must be UTF-8. Each case names where (file and JSON path, GGUF key, line) and what
/// was expected, so the shell can show it as is.
public enum TokenizerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file could not be read at all (missing, permissions).
    case unreadable(file: String, reason: String)
    /// The file is not valid JSON.
    case invalidJSON(file: String, reason: String)
    /// A value at `path` (like `model.merges[3]`) is missing or has the wrong type.
    case malformed(file: String, path: String, expected: String)
    /// A component type this implementation does not know (`model.type`, `normalizer.type`, ...).
    case unsupported(file: String, path: String, type: String)
    /// No tokenizer files beside a model.
    case notFound(folder: String)
    /// Strict decoding met bytes that are not UTF-8.
    case invalidUTF8(byteOffset: Int)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): cannot read: \(reason)"
        case .invalidJSON(let file, let reason): return "\(file): not valid JSON: \(reason)"
        case .malformed(let file, let path, let expected): return "\(file): at \(path): expected \(expected)"
        case .unsupported(let file, let path, let type):
            return "\(file): at \(path): unsupported type \"\(type)\""
        case .notFound(let folder):
            return "\(folder): no tokenizer found (looked for tokenizer.json, vocab.json + merges.txt, *.gguf)"
        case .invalidUTF8(let offset): return "decoded bytes are not valid UTF-8 at byte \(offset)"
        }
    }
}
