/// The Porter stemmer as NLTK implements it in its default `NLTK_EXTENSIONS` mode, which is
/// what `rouge-score` uses with `use_stemmer=True`: Porter's 1980 steps with Martin Porter's
/// later amendments plus NLTK's own (irregular forms, "ies"/"ied" on four-letter words,
/// "y" -> "i" only after a consonant, "fulli", "logi", the two-letter *o condition).
public enum PorterStemmer {
    /// The stem of `word` (lowercased first).
    public static func stem(_ word: String) -> String {
        PythonText.string(stem(scalars: PythonText.lower(Array(word.unicodeScalars))))
    }

    private typealias Word = [Unicode.Scalar]

    private static let irregularForms: [Word: Word] = {
        let groups: [(String, [String])] = [
            ("sky", ["sky", "skies"]), ("die", ["dying"]), ("lie", ["lying"]), ("tie", ["tying"]),
            ("news", ["news"]), ("inning", ["innings", "inning"]), ("outing", ["outings", "outing"]),
            ("canning", ["cannings", "canning"]), ("howe", ["howe"]), ("proceed", ["proceed"]),
            ("exceed", ["exceed"]), ("succeed", ["succeed"]),
        ]
        var pool: [Word: Word] = [:]
        for (stem, forms) in groups { for f in forms { pool[Array(f.unicodeScalars)] = Array(stem.unicodeScalars) } }
        return pool
    }()

    static func stem(scalars word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if let irregular = irregularForms[word] { return irregular }
        if word.count <= 2 { return word }
        var w = step1a(word)
        w = step1b(w)
        w = step1c(w)
        w = step2(w)
        w = step3(w)
        w = step4(w)
        w = step5a(w)
        return step5b(w)
    }

    // MARK: consonants and measure

    private static func isVowelLetter(_ c: Unicode.Scalar) -> Bool {
        c == "a" || c == "e" || c == "i" || c == "o" || c == "u"
    }

    /// True per position for consonants: not a vowel letter, and a "y" only when it starts
    /// the word or follows a vowel.
    private static func consonantFlags(_ w: ArraySlice<Unicode.Scalar>) -> [Bool] {
        var flags: [Bool] = []
        flags.reserveCapacity(w.count)
        for c in w {
            if isVowelLetter(c) { flags.append(false) } else if c == "y" { flags.append(flags.last.map { !$0 } ?? true) } else { flags.append(true) }
        }
        return flags
    }

    private static func isConsonant(_ w: ArraySlice<Unicode.Scalar>, _ i: Int) -> Bool {
        consonantFlags(w[w.startIndex...(w.startIndex + i)]).last!
    }

    /// m in [C](VC){m}[V].
    private static func measure(_ w: ArraySlice<Unicode.Scalar>) -> Int {
        let flags = consonantFlags(w)
        var m = 0
        for i in flags.indices.dropFirst() where !flags[i - 1] && flags[i] { m += 1 }
        return m
    }

    private static func containsVowel(_ w: ArraySlice<Unicode.Scalar>) -> Bool {
        consonantFlags(w).contains(false)
    }

    /// *d: ends with a double consonant.
    private static func endsDoubleConsonant(_ w: ArraySlice<Unicode.Scalar>) -> Bool {
        w.count >= 2 && w[w.endIndex - 1] == w[w.endIndex - 2] && isConsonant(w, w.count - 1)
    }

    /// *o: ends consonant-vowel-consonant with the last not w, x or y; NLTK also accepts a
    /// two-letter vowel-consonant word.
    private static func endsCVC(_ w: ArraySlice<Unicode.Scalar>) -> Bool {
        let n = w.count
        if n >= 3 {
            let last = w[w.endIndex - 1]
            if isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)
                && last != "w" && last != "x" && last != "y" { return true }
        }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1)
    }

    // MARK: rules

    private enum Suffix { case text(String), doubleConsonant }
    private typealias Rule = (suffix: Suffix, replacement: Word, condition: ((ArraySlice<Unicode.Scalar>) -> Bool)?)

    private static func rule(_ suffix: String, _ replacement: String,
                             _ condition: ((ArraySlice<Unicode.Scalar>) -> Bool)? = positiveMeasure) -> Rule {
        (.text(suffix), Array(replacement.unicodeScalars), condition)
    }

    private static func positiveMeasure(_ s: ArraySlice<Unicode.Scalar>) -> Bool { measure(s) > 0 }
    private static func measureAboveOne(_ s: ArraySlice<Unicode.Scalar>) -> Bool { measure(s) > 1 }

    private static func hasSuffix(_ w: Word, _ s: String) -> Bool {
        let suffix = Array(s.unicodeScalars)
        return w.count >= suffix.count && w[(w.count - suffix.count)...].elementsEqual(suffix)
    }

    /// The first rule whose suffix the word has decides: replaced when its condition holds
    /// on the stem, left alone otherwise.
    private static func applyFirstMatching(_ w: Word, _ rules: [Rule]) -> Word {
        for r in rules {
            switch r.suffix {
            case .doubleConsonant:
                guard endsDoubleConsonant(w[...]) else { continue }
                let stem = w[..<(w.count - 2)]
                return (r.condition?(stem) ?? true) ? Array(stem) + r.replacement : w
            case .text(let s):
                guard hasSuffix(w, s) else { continue }
                let stem = w[..<(w.count - s.unicodeScalars.count)]
                return (r.condition?(stem) ?? true) ? Array(stem) + r.replacement : w
            }
        }
        return w
    }

    private static func dropping(_ w: Word, _ n: Int, adding s: String = "") -> Word {
        Array(w[..<(w.count - n)]) + Array(s.unicodeScalars)
    }

    private static func step1a(_ w: Word) -> Word {
        if hasSuffix(w, "ies") && w.count == 4 { return dropping(w, 3, adding: "ie") }
        return applyFirstMatching(w, [rule("sses", "ss", nil), rule("ies", "i", nil), rule("ss", "ss", nil), rule("s", "", nil)])
    }

    private static func step1b(_ w: Word) -> Word {
        if hasSuffix(w, "ied") { return dropping(w, 3, adding: w.count == 4 ? "ie" : "i") }
        if hasSuffix(w, "eed") {
            return measure(w[..<(w.count - 3)]) > 0 ? dropping(w, 1) : w
        }
        var stem: Word? = nil
        for suffix in ["ed", "ing"] where hasSuffix(w, suffix) {
            let candidate = dropping(w, suffix.count)
            if containsVowel(candidate[...]) { stem = candidate; break }
        }
        guard let s = stem else { return w }
        let last = s[s.count - 1]
        return applyFirstMatching(s, [
            rule("at", "ate", nil), rule("bl", "ble", nil), rule("iz", "ize", nil),
            (.doubleConsonant, [last], { _ in last != "l" && last != "s" && last != "z" }),
            rule("", "e", { measure($0) == 1 && endsCVC($0) }),
        ])
    }

    private static func step1c(_ w: Word) -> Word {
        applyFirstMatching(w, [rule("y", "i", { $0.count > 1 && isConsonant($0, $0.count - 1) })])
    }

    private static func step2(_ w: Word) -> Word {
        if hasSuffix(w, "alli") && measure(w[..<(w.count - 4)]) > 0 { return step2(dropping(w, 4, adding: "al")) }
        return applyFirstMatching(w, [
            rule("ational", "ate"), rule("tional", "tion"), rule("enci", "ence"), rule("anci", "ance"),
            rule("izer", "ize"), rule("bli", "ble"), rule("alli", "al"), rule("entli", "ent"),
            rule("eli", "e"), rule("ousli", "ous"), rule("ization", "ize"), rule("ation", "ate"),
            rule("ator", "ate"), rule("alism", "al"), rule("iveness", "ive"), rule("fulness", "ful"),
            rule("ousness", "ous"), rule("aliti", "al"), rule("iviti", "ive"), rule("biliti", "ble"),
            rule("fulli", "ful"),
            // NLTK measures "logi" minus "ogi" (the "l" stays), not the stem itself.
            rule("logi", "log", { _ in measure(w[..<(w.count - 3)]) > 0 }),
        ])
    }

    private static func step3(_ w: Word) -> Word {
        applyFirstMatching(w, [
            rule("icate", "ic"), rule("ative", ""), rule("alize", "al"), rule("iciti", "ic"),
            rule("ical", "ic"), rule("ful", ""), rule("ness", ""),
        ])
    }

    private static func step4(_ w: Word) -> Word {
        let rules: [Rule] = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"]
            .map { rule($0, "", measureAboveOne) }
            + [rule("ion", "", { s in measure(s) > 1 && (s.last == "s" || s.last == "t") })]
            + ["ou", "ism", "ate", "iti", "ous", "ive", "ize"].map { rule($0, "", measureAboveOne) }
        return applyFirstMatching(w, rules)
    }

    private static func step5a(_ w: Word) -> Word {
        guard hasSuffix(w, "e") else { return w }
        let stem = w[..<(w.count - 1)]
        let m = measure(stem)
        return m > 1 || (m == 1 && !endsCVC(stem)) ? Array(stem) : w
    }

    private static func step5b(_ w: Word) -> Word {
        applyFirstMatching(w, [rule("ll", "l", { _ in measure(w[..<(w.count - 1)]) > 1 })])
    }
}
