/// sacrebleu's default BLEU tokenizer, `13a` (the mteval-v13a.pl rules used by WMT), written
/// over code points so that its output equals sacrebleu's character for character.
public enum Tokenizer13a {
    /// The tokenized line: tokens separated by single spaces, no leading or trailing space.
    public static func tokenize(_ line: String) -> String {
        PythonText.string(tokenizeScalars(Array(line.unicodeScalars)))
    }

    static func tokenizeScalars(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var line = PythonText.replace(input, "<skipped>", "")
        line = PythonText.replace(line, "-\n", "")
        line = PythonText.replace(line, "\n", " ")
        if line.contains("&") {
            // Sequential, as sacrebleu does: "&amp;lt;" ends as "<".
            line = PythonText.replace(line, "&quot;", "\"")
            line = PythonText.replace(line, "&amp;", "&")
            line = PythonText.replace(line, "&lt;", "<")
            line = PythonText.replace(line, "&gt;", ">")
        }
        line = [" "] + line + [" "]
        line = spaceSymbols(line)
        line = spacePeriodCommaAfterNonDigit(line)
        line = spacePeriodCommaBeforeNonDigit(line)
        line = spaceDashAfterDigit(line)
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(line.count)
        for (i, token) in PythonText.split(line).enumerated() {
            if i > 0 { out.append(" ") }
            out.append(contentsOf: token)
        }
        return out
    }

    /// `([\{-\~\[-\` -\&\(-\+\:-\@\/])` -> ` \1 `: ASCII symbols other than ' , - . and digits/letters.
    private static func isSymbol(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
        default: return false
        }
    }

    private static func spaceSymbols(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count * 2)
        for c in s {
            if isSymbol(c) { out.append(" "); out.append(c); out.append(" ") } else { out.append(c) }
        }
        return out
    }

    private static func isPeriodOrComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }

    /// The three remaining rules are two-character patterns that `re.sub` applies left to
    /// right without overlap: after a match, scanning resumes past both characters.
    private static func substitutePairs(
        _ s: [Unicode.Scalar], matches: (Unicode.Scalar, Unicode.Scalar) -> Bool,
        replacement: (inout [Unicode.Scalar], Unicode.Scalar, Unicode.Scalar) -> Void
    ) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count + s.count / 4)
        var i = 0
        while i < s.count {
            if i + 1 < s.count && matches(s[i], s[i + 1]) {
                replacement(&out, s[i], s[i + 1])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// `([^0-9])([\.,])` -> `\1 \2 `
    private static func spacePeriodCommaAfterNonDigit(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        substitutePairs(s, matches: { a, b in !PythonText.isASCIIDigit(a) && isPeriodOrComma(b) },
                        replacement: { out, a, b in out.append(a); out.append(" "); out.append(b); out.append(" ") })
    }

    /// `([\.,])([^0-9])` -> ` \1 \2`
    private static func spacePeriodCommaBeforeNonDigit(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        substitutePairs(s, matches: { a, b in isPeriodOrComma(a) && !PythonText.isASCIIDigit(b) },
                        replacement: { out, a, b in out.append(" "); out.append(a); out.append(" "); out.append(b) })
    }

    /// `([0-9])(-)` -> `\1 \2 `
    private static func spaceDashAfterDigit(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        substitutePairs(s, matches: { a, b in PythonText.isASCIIDigit(a) && b == "-" },
                        replacement: { out, a, b in out.append(a); out.append(" "); out.append(b); out.append(" ") })
    }
}
