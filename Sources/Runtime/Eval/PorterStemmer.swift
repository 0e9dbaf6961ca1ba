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

    /// When a rule whose suffix matched may fire, judged on the stem left without the suffix
    /// (or, for two NLTK rules, on the word minus its last few letters).
    private enum Condition: Sendable {
        case always, positiveMeasure, measureAboveOne, measureAboveOneEndingSOrT, measureOneEndingCVC
        case consonantBeforeFinalY
        case wordPositiveMeasureWithoutLast(Int), wordMeasureAboveOneWithoutLast(Int)

        func holds(stem: ArraySlice<Unicode.Scalar>, word: [Unicode.Scalar]) -> Bool {
            switch self {
            case .always: return true
            case .positiveMeasure: return measure(stem) > 0
            case .measureAboveOne: return measure(stem) > 1
            case .measureAboveOneEndingSOrT: return measure(stem) > 1 && (stem.last == "s" || stem.last == "t")
            case .measureOneEndingCVC: return measure(stem) == 1 && endsCVC(stem)
            case .consonantBeforeFinalY: return stem.count > 1 && isConsonant(stem, stem.count - 1)
            case .wordPositiveMeasureWithoutLast(let n): return measure(word[..<(word.count - n)]) > 0
            case .wordMeasureAboveOneWithoutLast(let n): return measure(word[..<(word.count - n)]) > 1
            }
        }
    }

    private struct Rule: Sendable {
        var suffix: [Unicode.Scalar]
        var replacement: [Unicode.Scalar]
        var condition: Condition

        init(_ suffix: String, _ replacement: String, _ condition: Condition = .positiveMeasure) {
            self.suffix = Array(suffix.unicodeScalars)
            self.replacement = Array(replacement.unicodeScalars)
            self.condition = condition
        }
    }

    private static func hasSuffix(_ w: Word, _ suffix: [Unicode.Scalar]) -> Bool {
        w.count >= suffix.count && w[(w.count - suffix.count)...].elementsEqual(suffix)
    }

    private static func hasSuffix(_ w: Word, _ s: String) -> Bool { hasSuffix(w, Array(s.unicodeScalars)) }

    /// The first rule whose suffix the word has decides: replaced when its condition holds,
    /// left alone otherwise.
    private static func applyFirstMatching(_ w: Word, _ rules: [Rule]) -> Word {
        for r in rules where hasSuffix(w, r.suffix) {
            let stem = w[..<(w.count - r.suffix.count)]
            return r.condition.holds(stem: stem, word: w) ? Array(stem) + r.replacement : w
        }
        return w
    }

    private static func dropping(_ w: Word, _ n: Int, adding s: String = "") -> Word {
        Array(w[..<(w.count - n)]) + Array(s.unicodeScalars)
    }

    private static let step1aRules = [Rule("sses", "ss", .always), Rule("ies", "i", .always), Rule("ss", "ss", .always),
                                       Rule("s", "", .always)]

    private static func step1a(_ w: Word) -> Word {
        if hasSuffix(w, "ies") && w.count == 4 { return dropping(w, 3, adding: "ie") }
        return applyFirstMatching(w, step1aRules)
    }

    private static let step1bRestoreRules = [Rule("at", "ate", .always), Rule("bl", "ble", .always), Rule("iz", "ize", .always)]
    private static let step1bFinalRule = [Rule("", "e", .measureOneEndingCVC)]

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
        for r in step1bRestoreRules where hasSuffix(s, r.suffix) { return dropping(s, r.suffix.count) + r.replacement }
        // *d: a double consonant loses one letter unless it is l, s or z (and then stays whole).
        if endsDoubleConsonant(s[...]) {
            let last = s[s.count - 1]
            return last != "l" && last != "s" && last != "z" ? Array(s.dropLast()) : s
        }
        return applyFirstMatching(s, step1bFinalRule)
    }

    private static let step1cRules = [Rule("y", "i", .consonantBeforeFinalY)]

    private static func step1c(_ w: Word) -> Word { applyFirstMatching(w, step1cRules) }

    private static let step2Rules = [
        Rule("ational", "ate"), Rule("tional", "tion"), Rule("enci", "ence"), Rule("anci", "ance"),
        Rule("izer", "ize"), Rule("bli", "ble"), Rule("alli", "al"), Rule("entli", "ent"),
        Rule("eli", "e"), Rule("ousli", "ous"), Rule("ization", "ize"), Rule("ation", "ate"),
        Rule("ator", "ate"), Rule("alism", "al"), Rule("iveness", "ive"), Rule("fulness", "ful"),
        Rule("ousness", "ous"), Rule("aliti", "al"), Rule("iviti", "ive"), Rule("biliti", "ble"),
        Rule("fulli", "ful"),
        // NLTK measures the word minus "ogi" (the "l" stays), not the stem itself.
        Rule("logi", "log", .wordPositiveMeasureWithoutLast(3)),
    ]

    private static func step2(_ w: Word) -> Word {
        if hasSuffix(w, "alli") && measure(w[..<(w.count - 4)]) > 0 { return step2(dropping(w, 4, adding: "al")) }
        return applyFirstMatching(w, step2Rules)
    }

    private static let step3Rules = [
        Rule("icate", "ic"), Rule("ative", ""), Rule("alize", "al"), Rule("iciti", "ic"),
        Rule("ical", "ic"), Rule("ful", ""), Rule("ness", ""),
    ]

    private static func step3(_ w: Word) -> Word { applyFirstMatching(w, step3Rules) }

    private static let step4Rules =
        ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"].map { Rule($0, "", .measureAboveOne) }
        + [Rule("ion", "", .measureAboveOneEndingSOrT)]
        + ["ou", "ism", "ate", "iti", "ous", "ive", "ize"].map { Rule($0, "", .measureAboveOne) }

    private static func step4(_ w: Word) -> Word { applyFirstMatching(w, step4Rules) }

    private static func step5a(_ w: Word) -> Word {
        guard hasSuffix(w, "e") else { return w }
        let stem = w[..<(w.count - 1)]
        let m = measure(stem)
        return m > 1 || (m == 1 && !endsCVC(stem)) ? Array(stem) : w
    }

    private static let step5bRules = [Rule("ll", "l", .wordMeasureAboveOneWithoutLast(1))]

    private static func step5b(_ w: Word) -> Word { applyFirstMatching(w, step5bRules) }
}
