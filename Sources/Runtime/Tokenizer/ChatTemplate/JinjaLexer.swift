/// One lexical token of a template: literal text between tags, tag delimiters, and the tokens of
/// the expressions inside tags.
enum JinjaTokenKind: Equatable {
    case text(String)
    case variableBegin, variableEnd, blockBegin, blockEnd
    case name(String), string(String), int(Int), float(Double), op(String)
    case eof
}

struct JinjaToken {
    var kind: JinjaTokenKind
    var at: TemplatePosition
}

/// Splits a template into tokens the way jinja2's lexer does with transformers' settings:
/// `trim_blocks=True` (one newline after a block or comment tag is dropped), `lstrip_blocks=True`
/// (spaces and tabs before a block or comment tag on its own line are dropped), `-`/`+` whitespace
/// control on either side of a tag, and `keep_trailing_newline=False`.
struct JinjaLexer {
    private let src: [Unicode.Scalar]
    private let lineStarts: [Int]
    private var pos = 0
    private var tokens: [JinjaToken] = []
    private var lineStarting = true  // did the last consumed piece end a line (lstrip_blocks' condition)

    init(source: String) {
        // jinja2 normalizes every newline style to "\n" and drops one trailing newline.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousCR = false
        for s in source.unicodeScalars {
            if s == "\r" { scalars.append("\n"); previousCR = true; continue }
            if s == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            scalars.append(s)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        src = scalars
        var starts = [0]
        for (i, s) in scalars.enumerated() where s == "\n" { starts.append(i + 1) }
        lineStarts = starts
    }

    func position(_ index: Int) -> TemplatePosition {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return TemplatePosition(line: lo + 1, column: index - lineStarts[lo] + 1)
    }

    mutating func tokenize() throws -> [JinjaToken] {
        while pos < src.count {
            guard let tagStart = nextTagStart(from: pos) else {
                emitText(pos, src.count)
                break
            }
            let opener = src[tagStart + 1]
            var sign: Unicode.Scalar? = nil
            if tagStart + 2 < src.count, src[tagStart + 2] == "-" || src[tagStart + 2] == "+" { sign = src[tagStart + 2] }
            var textEnd = tagStart
            if sign == "-" {
                while textEnd > pos && isPythonSpace(src[textEnd - 1]) { textEnd -= 1 }
            } else if sign != "+" && opener != "{" {
                textEnd = lstripBlockIndent(from: pos, tagStart: tagStart)
            }
            emitText(pos, textEnd)
            pos = tagStart + 2 + (sign == nil ? 0 : 1)
            switch opener {
            case "#": try lexComment(tagStart)
            case "%":
                if try !lexRaw(tagStart) {
                    tokens.append(JinjaToken(kind: .blockBegin, at: position(tagStart)))
                    try lexTagBody(tagStart, block: true)
                }
            default:
                tokens.append(JinjaToken(kind: .variableBegin, at: position(tagStart)))
                try lexTagBody(tagStart, block: false)
            }
        }
        tokens.append(JinjaToken(kind: .eof, at: position(src.count)))
        return tokens
    }

    /// lstrip_blocks: where the text before a block or comment tag ends once the tag's indentation is
    /// dropped (only when nothing but spaces and tabs precede the tag on its line).
    private func lstripBlockIndent(from textStart: Int, tagStart: Int) -> Int {
        var lineStart = tagStart
        while lineStart > textStart && src[lineStart - 1] != "\n" { lineStart -= 1 }
        let hasNewline = lineStart > textStart
        if (hasNewline || lineStarting) && lineStart < tagStart && src[lineStart..<tagStart].allSatisfy(isPythonSpace) {
            return lineStart
        }
        return tagStart
    }

    private func nextTagStart(from start: Int) -> Int? {
        var i = start
        while i + 1 < src.count {
            if src[i] == "{", src[i + 1] == "{" || src[i + 1] == "%" || src[i + 1] == "#" { return i }
            i += 1
        }
        return nil
    }

    private mutating func emitText(_ from: Int, _ to: Int) {
        guard from < to else { return }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: src[from..<to])
        tokens.append(JinjaToken(kind: .text(String(s)), at: position(from)))
    }

    /// Consumes a tag's closing delimiter at `pos` (`-` strips all following whitespace; otherwise a
    /// block or comment end eats one newline for trim_blocks).
    private mutating func consumeEnd(length: Int, sign: Unicode.Scalar?, trimNewline: Bool) {
        pos += length
        if sign == "-" {
            while pos < src.count && isPythonSpace(src[pos]) { pos += 1 }
        } else if sign != "+" && trimNewline && pos < src.count && src[pos] == "\n" {
            pos += 1
        }
        lineStarting = pos > 0 && src[pos - 1] == "\n"
    }

    private mutating func lexComment(_ tagStart: Int) throws {
        var j = pos
        while j + 1 < src.count && !(src[j] == "#" && src[j + 1] == "}") { j += 1 }
        guard j + 1 < src.count else {
            throw ChatTemplateError.syntax(message: "missing end of comment tag '#}'", at: position(tagStart))
        }
        let sign: Unicode.Scalar? = (j > pos && (src[j - 1] == "-" || src[j - 1] == "+")) ? src[j - 1] : nil
        pos = j
        consumeEnd(length: 2, sign: sign, trimNewline: true)
    }

    /// `{% raw %}...{% endraw %}`: the body is text, not parsed. Returns false if this block is not `raw`.
    private mutating func lexRaw(_ tagStart: Int) throws -> Bool {
        var i = pos
        while i < src.count && isPythonSpace(src[i]) { i += 1 }
        guard matches("raw", at: i) else { return false }
        i += 3
        while i < src.count && isPythonSpace(src[i]) { i += 1 }
        var sign: Unicode.Scalar? = nil
        if i < src.count && (src[i] == "-" || src[i] == "+") { sign = src[i]; i += 1 }
        guard sign != "+", matches("%}", at: i) else { return false }
        pos = i
        consumeEnd(length: 2, sign: sign, trimNewline: false)  // jinja2 does not trim_blocks after `{% raw %}`
        // Find `{%[-+]? endraw [-+]?%}`.
        var j = pos
        while j < src.count {
            if matches("{%", at: j) {
                var k = j + 2
                var innerSign: Unicode.Scalar? = nil
                if k < src.count && (src[k] == "-" || src[k] == "+") { innerSign = src[k]; k += 1 }
                while k < src.count && isPythonSpace(src[k]) { k += 1 }
                if matches("endraw", at: k) {
                    k += 6
                    while k < src.count && isPythonSpace(src[k]) { k += 1 }
                    var endSign: Unicode.Scalar? = nil
                    if k < src.count && (src[k] == "-" || src[k] == "+") { endSign = src[k]; k += 1 }
                    if matches("%}", at: k) {
                        var textEnd = j
                        if innerSign == "-" {
                            while textEnd > pos && isPythonSpace(src[textEnd - 1]) { textEnd -= 1 }
                        } else if innerSign != "+" {
                            textEnd = lstripBlockIndent(from: pos, tagStart: j)
                        }
                        emitText(pos, textEnd)
                        pos = k
                        consumeEnd(length: 2, sign: endSign, trimNewline: true)
                        return true
                    }
                }
            }
            j += 1
        }
        throw ChatTemplateError.syntax(message: "missing '{% endraw %}' for this raw block", at: position(tagStart))
    }

    private func matches(_ word: String, at i: Int) -> Bool {
        var k = i
        for s in word.unicodeScalars {
            guard k < src.count, src[k] == s else { return false }
            k += 1
        }
        return true
    }

    /// Expression tokens up to the closing `%}` or `}}` (closing delimiters inside open brackets are
    /// operators, as in jinja2).
    private mutating func lexTagBody(_ tagStart: Int, block: Bool) throws {
        var brackets: [Unicode.Scalar] = []
        let close: String = block ? "%}" : "}}"
        while true {
            while pos < src.count && isPythonSpace(src[pos]) { pos += 1 }
            guard pos < src.count else {
                let what = block ? "'{%' block tag" : "'{{' print tag"
                throw ChatTemplateError.syntax(message: "unclosed \(what): missing '\(close)'", at: position(tagStart))
            }
            if brackets.isEmpty {
                if (src[pos] == "-" || (block && src[pos] == "+")) && matches(close, at: pos + 1) {
                    let sign = src[pos]
                    pos += 1
                    tokens.append(JinjaToken(kind: block ? .blockEnd : .variableEnd, at: position(pos - 1)))
                    consumeEnd(length: 2, sign: sign, trimNewline: block)
                    return
                }
                if matches(close, at: pos) {
                    tokens.append(JinjaToken(kind: block ? .blockEnd : .variableEnd, at: position(pos)))
                    consumeEnd(length: 2, sign: nil, trimNewline: block)
                    return
                }
            }
            let start = pos
            let kind = try lexExpressionToken()
            if case .op(let op) = kind {
                switch op {
                case "(": brackets.append(")")
                case "[": brackets.append("]")
                case "{": brackets.append("}")
                case ")", "]", "}":
                    guard let expected = brackets.popLast() else {
                        throw ChatTemplateError.syntax(message: "unexpected '\(op)'", at: position(start))
                    }
                    if String(expected) != op {
                        throw ChatTemplateError.syntax(message: "unexpected '\(op)', expected '\(expected)'", at: position(start))
                    }
                default: break
                }
            }
            tokens.append(JinjaToken(kind: kind, at: position(start)))
        }
    }

    private static let twoCharOps: Set<String> = ["//", "**", "==", "!=", "<=", ">="]
    private static let oneCharOps: Set<Unicode.Scalar> = ["+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")",
                                                          "[", "]", "{", "}", ",", ".", ":", "|", ";"]

    private mutating func lexExpressionToken() throws -> JinjaTokenKind {
        let c = src[pos]
        if c == "'" || c == "\"" { return .string(try lexString()) }
        if c.properties.numericType == .decimal && c.isASCII { return try lexNumber() }
        if c == "_" || c.properties.isXIDStart {
            let start = pos
            while pos < src.count && (src[pos] == "_" || src[pos].properties.isXIDContinue) { pos += 1 }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: src[start..<pos])
            return .name(String(s))
        }
        if pos + 1 < src.count {
            var pair = String.UnicodeScalarView()
            pair.append(src[pos]); pair.append(src[pos + 1])
            if JinjaLexer.twoCharOps.contains(String(pair)) { pos += 2; return .op(String(pair)) }
        }
        if JinjaLexer.oneCharOps.contains(c) { pos += 1; return .op(String(c)) }
        throw ChatTemplateError.syntax(message: "unexpected character '\(c)'", at: position(pos))
    }

    private mutating func lexNumber() throws -> JinjaTokenKind {
        let start = pos
        func digits() { while pos < src.count && (src[pos].isASCII && src[pos].properties.numericType == .decimal || src[pos] == "_") { pos += 1 } }
        digits()
        var isFloat = false
        let afterDot = start > 0 && src[start - 1] == "."  // `foo.0.1` is two subscripts, never a float
        if !afterDot && pos + 1 < src.count && src[pos] == "." && src[pos + 1].isASCII && src[pos + 1].properties.numericType == .decimal {
            pos += 1; digits(); isFloat = true
        }
        if !afterDot && pos < src.count && (src[pos] == "e" || src[pos] == "E") {
            var k = pos + 1
            if k < src.count && (src[k] == "+" || src[k] == "-") { k += 1 }
            if k < src.count && src[k].isASCII && src[k].properties.numericType == .decimal { pos = k; digits(); isFloat = true }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: src[start..<pos].filter { $0 != "_" })
        let literal = String(text)
        if isFloat, let d = Double(literal) { return .float(d) }
        if let i = Int(literal) { return .int(i) }
        throw ChatTemplateError.syntax(message: "number literal '\(literal)' is out of range", at: position(start))
    }

    /// A quoted literal with Python's escapes (jinja2 decodes them with `unicode_escape`).
    private mutating func lexString() throws -> String {
        let quote = src[pos], start = pos
        pos += 1
        var out = String.UnicodeScalarView()
        while pos < src.count {
            let c = src[pos]
            if c == quote { pos += 1; return String(out) }
            if c == "\\" && pos + 1 < src.count {
                let e = src[pos + 1]
                pos += 2
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "\\": out.append("\\")
                case "'": out.append("'")
                case "\"": out.append("\"")
                case "a": out.append("\u{07}")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "v": out.append("\u{0B}")
                case "\n": break  // line continuation
                case "x", "u", "U":
                    let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                    guard pos + width <= src.count,
                          let v = UInt32(String(String.UnicodeScalarView(src[pos..<pos + width])), radix: 16),
                          let scalar = Unicode.Scalar(v)
                    else { throw ChatTemplateError.syntax(message: "bad \\\(e) escape in string literal", at: position(pos - 2)) }
                    out.append(scalar); pos += width
                case "0"..."7":
                    var v = e.value - 48, n = 1
                    while n < 3 && pos < src.count && ("0"..."7").contains(src[pos]) { v = v * 8 + src[pos].value - 48; pos += 1; n += 1 }
                    out.append(Unicode.Scalar(v)!)
                default: out.append("\\"); out.append(e)  // Python keeps unknown escapes as written
                }
                continue
            }
            out.append(c)
            pos += 1
        }
        throw ChatTemplateError.syntax(message: "unterminated string literal", at: position(start))
    }
}

/// Python's `str.isspace` for one code point (Unicode White_Space plus the ASCII separators 0x1C-0x1F).
func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
    s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
}
