import Foundation

/// The text normalizers of HF `tokenizers` that BPE language models use. Applied to each piece of
/// text between added tokens, before pre-tokenization.
indirect enum Normalizer: Sendable {
    /// Puts `prefix` in front of non-empty text (Llama 2 / Gemma put "▁").
    case prepend(String)
    /// Replaces every occurrence of a literal or a regex by `content`.
    case replace(TextPattern, content: String)
    case nfc, nfd, nfkc, nfkd
    case lowercase
    /// Removes leading and/or trailing whitespace.
    case strip(left: Bool, right: Bool)
    case sequence([Normalizer])

    func apply(_ text: String) -> String {
        switch self {
        case .prepend(let prefix): return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content): return pattern.replacingMatches(in: text, with: content)
        case .nfc: return text.precomposedStringWithCanonicalMapping
        case .nfd: return text.decomposedStringWithCanonicalMapping
        case .nfkc: return text.precomposedStringWithCompatibilityMapping
        case .nfkd: return text.decomposedStringWithCompatibilityMapping
        case .lowercase: return text.lowercased()
        case .strip(let left, let right):
            var scalars = Substring(text).unicodeScalars[...]
            if left { while let f = scalars.first, f.properties.isWhitespace { scalars.removeFirst() } }
            if right { while let l = scalars.last, l.properties.isWhitespace { scalars.removeLast() } }
            return String(String.UnicodeScalarView(scalars))
        case .sequence(let steps): return steps.reduce(text) { $1.apply($0) }
        }
    }
}

/// A pattern in tokenizer.json: `{"String": "▁"}` (literal) or `{"Regex": "..."}`.
enum TextPattern: Sendable {
    case literal(String)
    case regex(CompiledRegex)

    /// A regex pattern; nil when ICU cannot compile it.
    static func regex(_ source: String) -> TextPattern? { CompiledRegex(source).map { .regex($0) } }

    /// Byte ranges (into `text.utf8`) of the non-overlapping matches, left to right.
    func matches(in text: String) -> [Range<Int>] {
        switch self {
        case .literal(let needle):
            let n = Array(needle.utf8), h = Array(text.utf8)
            guard !n.isEmpty, h.count >= n.count else { return [] }
            var out: [Range<Int>] = []
            var i = 0
            while i + n.count <= h.count {
                if h[i] == n[0] && h[i..<(i + n.count)].elementsEqual(n) {
                    out.append(i..<(i + n.count)); i += n.count
                } else { i += 1 }
            }
            return out
        case .regex(let compiled):
            let re = compiled.expression
            // NSRegularExpression counts UTF-16 units; map them to UTF-8 byte offsets once.
            var utf8Offset = [Int](repeating: 0, count: text.utf16.count + 1)
            var u16 = 0, u8 = 0
            for scalar in text.unicodeScalars {
                let w16 = UTF16.width(scalar), w8 = UTF8.width(scalar)
                for k in 0..<w16 { utf8Offset[u16 + k] = u8 }
                u16 += w16; u8 += w8
            }
            utf8Offset[u16] = u8
            return re.matches(in: text, range: NSRange(location: 0, length: u16)).compactMap { m in
                guard m.range.length > 0 else { return nil }
                return utf8Offset[m.range.location]..<utf8Offset[m.range.location + m.range.length]
            }
        }
    }

    func replacingMatches(in text: String, with content: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var last = 0
        for r in matches(in: text) {
            out += bytes[last..<r.lowerBound]; out += content.utf8; last = r.upperBound
        }
        out += bytes[last...]
        return String(decoding: out, as: UTF8.self)
    }
}

/// A regex compiled once at load. NSRegularExpression is immutable and documented safe to use
/// from several threads, hence the unchecked Sendable.
final class CompiledRegex: @unchecked Sendable {
    let source: String
    let expression: NSRegularExpression

    init?(_ source: String) {
        guard let expression = try? NSRegularExpression(pattern: source) else { return nil }
        self.source = source
        self.expression = expression
    }
}
