/// Splits command text into logical lines of tokens.
///
/// Rules: `#` at the start of a word comments out the rest of the line; `"..."` allows the escapes
/// `\n \t \r \\ \" \$` and `$name` substitution; `'...'` is literal; outside quotes `\x` is a
/// literal `x` and a trailing `\` continues the command on the next line; `key=value` is an
/// option when `key` is a name; `$name` and `${name}` are variable references.
struct Lexer {
    private let file: String
    private let chars: [Character]
    private var index = 0
    private var line: Int
    private var column = 1

    private init(text: String, file: String, firstLine: Int) {
        self.file = file
        self.chars = Array(text.replacingOccurrences(of: "\r\n", with: "\n"))
        self.line = firstLine
    }

    /// Lexes `text` (a whole recipe or one REPL entry). Throws the first error with its location;
    /// an error with `isIncompleteInput` means the text ends inside a line continuation.
    static func lex(_ text: String, file: String, firstLine: Int = 1) throws(LanguageError) -> [LexedLine] {
        var lexer = Lexer(text: text, file: file, firstLine: firstLine)
        return try lexer.lines()
    }

    private var here: SourceLocation { SourceLocation(file: file, line: line, column: column) }
    private var current: Character? { index < chars.count ? chars[index] : nil }
    private func peek(_ offset: Int = 1) -> Character? {
        index + offset < chars.count ? chars[index + offset] : nil
    }

    private mutating func advance() {
        if chars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func lines() throws(LanguageError) -> [LexedLine] {
        var result: [LexedLine] = []
        while current != nil {
            let start = here
            let startIndex = index
            let tokens = try logicalLine()
            if !tokens.isEmpty {
                var text = String(chars[startIndex..<index])
                while text.last == "\n" { text.removeLast() }
                result.append(LexedLine(tokens: tokens, location: start, text: text))
            }
        }
        return result
    }

    /// Reads tokens up to and including the newline that ends the logical line.
    private mutating func logicalLine() throws(LanguageError) -> [Token] {
        var tokens: [Token] = []
        while let c = current {
            switch c {
            case "\n":
                advance()
                return tokens
            case " ", "\t", "\r":
                advance()
            case "#":
                while let c = current, c != "\n" { advance() }
            case "\\" where isContinuation():
                let location = here
                while let c = current, c != "\n" { advance() }
                guard current != nil else {
                    var error = LanguageError("line continuation '\\' at the end of the input; expected another line",
                                              at: location)
                    error.isIncompleteInput = true
                    throw error
                }
                advance()
            case "=":
                tokens.append(.equals(here))
                advance()
            default:
                tokens.append(try wordOrOption())
            }
        }
        return tokens
    }

    /// A `\` followed only by blanks up to the end of the physical line.
    private func isContinuation() -> Bool {
        var offset = 1
        while let c = peek(offset), c != "\n" {
            if c != " " && c != "\t" && c != "\r" { return false }
            offset += 1
        }
        return true
    }

    private mutating func wordOrOption() throws(LanguageError) -> Token {
        let start = here
        var parts: [WordPart] = []
        var key: (name: String, location: SourceLocation)?
        var valueStart = start
        while let c = current, !isWordEnd(c) {
            if c == "=" && key == nil, let name = plainName(parts) {
                key = (name, start)
                parts = []
                advance()
                valueStart = here
                continue
            }
            switch c {
            case "\"": try doubleQuoted(into: &parts)
            case "'": try singleQuoted(into: &parts)
            case "$": parts.append(try variable())
            case "\\":
                advance()
                guard let escaped = current, escaped != "\n" else { break }
                append(String(escaped), quoted: true, to: &parts)
                advance()
            default:
                append(String(c), quoted: false, to: &parts)
                advance()
            }
        }
        if let key {
            return .option(key: key.name, keyLocation: key.location, value: Word(parts: parts, location: valueStart))
        }
        return .word(Word(parts: parts, location: start))
    }

    private func isWordEnd(_ c: Character) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || (c == "\\" && isContinuation())
    }

    /// The text of `parts` when it is a single unquoted name usable as an option key.
    private func plainName(_ parts: [WordPart]) -> String? {
        guard parts.count == 1, case .text(let text, quoted: false) = parts[0], isName(text, allowDash: true)
        else { return nil }
        return text
    }

    private func append(_ text: String, quoted: Bool, to parts: inout [WordPart]) {
        if case .text(let previous, let wasQuoted)? = parts.last, wasQuoted == quoted {
            parts[parts.count - 1] = .text(previous + text, quoted: quoted)
        } else {
            parts.append(.text(text, quoted: quoted))
        }
    }

    private mutating func doubleQuoted(into parts: inout [WordPart]) throws(LanguageError) {
        let open = here
        advance()
        var sawText = false
        while true {
            guard let c = current, c != "\n" else {
                throw LanguageError("unterminated string; expected a closing '\"' on the same line", at: open)
            }
            switch c {
            case "\"":
                advance()
                if !sawText { append("", quoted: true, to: &parts) }
                return
            case "$":
                parts.append(try variable())
            case "\\":
                let location = here
                advance()
                let escapes: [Character: String] = ["n": "\n", "t": "\t", "r": "\r", "\\": "\\", "\"": "\"", "$": "$"]
                guard let e = current, let replacement = escapes[e] else {
                    let found = current.map { String($0) } ?? ""
                    throw LanguageError("unknown escape '\\\(found)' in a string; expected one of \\n \\t \\r \\\\ \\\" \\$",
                                        at: location)
                }
                append(replacement, quoted: true, to: &parts)
                advance()
            default:
                append(String(c), quoted: true, to: &parts)
                advance()
            }
            sawText = true
        }
    }

    private mutating func singleQuoted(into parts: inout [WordPart]) throws(LanguageError) {
        let open = here
        advance()
        var text = ""
        while true {
            guard let c = current, c != "\n" else {
                throw LanguageError("unterminated string; expected a closing \"'\" on the same line", at: open)
            }
            advance()
            if c == "'" { break }
            text.append(c)
        }
        append(text, quoted: true, to: &parts)
    }

    /// `$name` or `${name}`.
    private mutating func variable() throws(LanguageError) -> WordPart {
        let start = here
        advance()
        if current == "{" {
            advance()
            var name = ""
            while let c = current, c != "}", c != "\n" {
                name.append(c)
                advance()
            }
            guard current == "}" else {
                throw LanguageError("unterminated '${'; expected a closing '}'", at: start)
            }
            advance()
            guard isName(name, allowDash: false) else {
                throw LanguageError("'\(name)' is not a variable name; expected letters, digits and '_'", at: start)
            }
            return .variable(name, start)
        }
        var name = ""
        while let c = current, c == "_" || c.isLetter || c.isNumber, c.isASCII {
            if name.isEmpty && c.isNumber { break }
            name.append(c)
            advance()
        }
        guard !name.isEmpty else {
            throw LanguageError("expected a variable name after '$' (write '\\$' for a dollar sign)", at: start)
        }
        return .variable(name, start)
    }
}

/// Whether `text` is a name: ASCII letter or `_` first, then letters, digits, `_` (and `-` or `.`
/// for option keys).
func isName(_ text: String, allowDash: Bool) -> Bool {
    guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
    return text.allSatisfy { c in
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || (allowDash && (c == "-" || c == ".")))
    }
}
