import Foundation

/// A prompt template written in a small text format, for layouts the built-in templates do not cover.
///
/// - `{name}` is replaced by the row's field `name` (a string or number; a missing field is an error
///   naming the row's line and the key).
/// - `[[ ... ]]` is an optional section: dropped whole when any field named inside it is missing,
///   empty, or exactly "Not applicable".
/// - `{@completion}` (exactly once, outside sections) splits the template: the text before it is the
///   prompt (not trained on), the text after it is the completion (trained on).
/// - `{{` and `}}` write literal braces. One final line break at the end of the file is ignored
///   (editors add one); every other character, line breaks included, is kept as written.
///
/// Example (the `gemma-turns` built-in is this template):
/// ```
/// <start_of_turn>user {instruction}[[ here are the inputs {input}]] <end_of_turn>
/// <start_of_turn>model{@completion}{output} <end_of_turn>
/// ```
public struct TemplateFile: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case field(String)
        case optional([Piece])
        case completionMarker
    }

    /// Where the template came from, for error messages.
    public let source: String
    let pieces: [Piece]

    /// Parses template text; throws naming the line and column of an unclosed brace or section,
    /// a nested section, or a missing or repeated `{@completion}`.
    public init(text: String, source: String = "template") throws {
        self.source = source
        var body = text
        if body.hasSuffix("\r\n") { body.removeLast(1) } else if body.hasSuffix("\n") { body.removeLast() }
        pieces = try TemplateFile.parse(body, source: source)
        let markers = pieces.filter { $0 == .completionMarker }.count
        guard markers == 1 else {
            throw DataError(file: source, "a template needs exactly one {@completion} marker between prompt and completion, found \(markers)")
        }
    }

    /// Reads and parses a template file.
    public static func load(_ url: URL) throws -> TemplateFile {
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw DataError(file: url.path, "cannot read the template file as UTF-8 text")
        }
        return try TemplateFile(text: text, source: url.path)
    }

    private static func parse(_ text: String, source: String) throws -> [Piece] {
        var top: [Piece] = []
        var section: [Piece]? = nil
        var literal = ""
        var line = 1, column = 1
        var sectionStart = (1, 1)
        let chars = Array(text)
        var i = 0
        func flush() {
            guard !literal.isEmpty else { return }
            if section != nil { section!.append(.literal(literal)) } else { top.append(.literal(literal)) }
            literal = ""
        }
        func emit(_ p: Piece) {
            flush()
            if section != nil { section!.append(p) } else { top.append(p) }
        }
        func advance(_ n: Int) {
            for k in 0..<n where i + k < chars.count {
                if chars[i + k] == "\n" { line += 1; column = 1 } else { column += 1 }
            }
            i += n
        }
        while i < chars.count {
            let c = chars[i]
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "{" && next == "{" { literal.append("{"); advance(2); continue }
            if c == "}" && next == "}" { literal.append("}"); advance(2); continue }
            if c == "[" && next == "[" {
                guard section == nil else {
                    throw DataError(file: source, line: line, column: column, "optional sections [[ ]] cannot be nested")
                }
                flush()
                section = []
                sectionStart = (line, column)
                advance(2)
                continue
            }
            if c == "]" && next == "]" && section != nil {
                flush()
                top.append(.optional(section!))
                section = nil
                advance(2)
                continue
            }
            if c == "{" {
                guard let close = chars[(i + 1)...].firstIndex(of: "}") else {
                    throw DataError(file: source, line: line, column: column, "'{' is never closed: expected {field} (write {{ for a brace)")
                }
                let name = String(chars[(i + 1)..<close])
                if name == "@completion" {
                    guard section == nil else {
                        throw DataError(file: source, line: line, column: column, "{@completion} cannot be inside an optional section")
                    }
                    emit(.completionMarker)
                } else {
                    guard !name.isEmpty, !name.contains("{"), !name.contains("\n") else {
                        throw DataError(file: source, line: line, column: column, "bad placeholder '{\(name)}': expected {field}")
                    }
                    emit(.field(name))
                }
                advance(close - i + 1)
                continue
            }
            if c == "}" {
                throw DataError(file: source, line: line, column: column, "'}' without '{' (write }} for a brace)")
            }
            literal.append(c)
            advance(1)
        }
        guard section == nil else {
            throw DataError(file: source, line: sectionStart.0, column: sectionStart.1, "optional section '[[' is never closed with ']]'")
        }
        flush()
        return top
    }

    /// The prompt and completion texts of one row; `value(key)` gives a field's text or nil when
    /// the row has no such field. Throws naming `line` and the key of a missing required field.
    func render(line: Int, file: String, value: (String) throws -> String?) throws -> (prompt: String, completion: String) {
        var prompt = "", completion = ""
        var inCompletion = false
        func append(_ s: String) { if inCompletion { completion += s } else { prompt += s } }
        for piece in pieces {
            switch piece {
            case let .literal(s): append(s)
            case .completionMarker: inCompletion = true
            case let .field(name):
                guard let v = try value(name) else {
                    throw DataError(file: file, line: line, key: name, "template \(source) needs the field '\(name)', which the row does not have")
                }
                append(v)
            case let .optional(inner):
                var text = ""
                var keep = true
                for p in inner {
                    switch p {
                    case let .literal(s): text += s
                    case let .field(name):
                        let v = try value(name) ?? ""
                        if v.isEmpty || v == "Not applicable" { keep = false }
                        text += v
                    case .optional, .completionMarker: break
                    }
                }
                if keep { append(text) }
            }
        }
        return (prompt, completion)
    }
}
