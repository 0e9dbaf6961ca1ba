/// Python's `str` semantics that the reference metrics (sacrebleu, rouge-score, the SQuAD
/// script) rely on. Python strings are sequences of code points compared exactly, while Swift
/// `String` compares by canonical equivalence and iterates grapheme clusters ("\r\n" is one
/// Character), so metric code works on arrays of Unicode scalars instead.
enum PythonText {
    /// `str.isspace()`: bidirectional class WS/B/S or category Zs. This is the set `str.split()`
    /// and `str.rstrip()` use when given no argument.
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A,
             0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `str.split()` with no separator: runs of whitespace separate, empty pieces are dropped.
    static func split(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var pieces: [ArraySlice<Unicode.Scalar>] = []
        var start: Int? = nil
        for i in s.indices {
            if isSpace(s[i]) {
                if let b = start { pieces.append(s[b..<i]); start = nil }
            } else if start == nil {
                start = i
            }
        }
        if let b = start { pieces.append(s[b..<s.count]) }
        return pieces
    }

    /// `str.rstrip()` with no argument.
    static func rstrip(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var end = s.count
        while end > 0 && isSpace(s[end - 1]) { end -= 1 }
        return Array(s[0..<end])
    }

    /// `str.lower()`: the full per-code-point lowercase mapping (one scalar may become several).
    static func lower(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for c in s {
            if c.isASCII {
                out.append(c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(c.value + 32)! : c)
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// `str.replace(old, new)`: non-overlapping, left to right, on code points.
    static func replace(_ s: [Unicode.Scalar], _ old: String, _ new: String) -> [Unicode.Scalar] {
        let o = Array(old.unicodeScalars), n = Array(new.unicodeScalars)
        guard !o.isEmpty, s.count >= o.count else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + o.count <= s.count && s[i..<(i + o.count)].elementsEqual(o) {
                out.append(contentsOf: n)
                i += o.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// Membership in `re`'s `\w` for str patterns: letters, numbers and underscore.
    static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        if s == "_" { return true }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return s.properties.numericType != nil
        }
    }

    /// Membership in `string.punctuation`: printable ASCII that is not a letter, digit or space.
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    static func isASCIIDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }

    /// The string of a scalar slice.
    static func string<C: Sequence>(_ scalars: C) -> String where C.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
