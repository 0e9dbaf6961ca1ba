/// Exact match under chosen normalizations, and SQuAD-style token F1.
public enum TextMatch {
    /// What to ignore when comparing a prediction with a reference.
    public struct Normalization: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Leading and trailing whitespace.
        public static let strip = Normalization(rawValue: 1)
        /// Letter case (Unicode lowercase mapping).
        public static let caseInsensitive = Normalization(rawValue: 2)
        /// Runs of whitespace count as one space (implies `strip`).
        public static let collapseWhitespace = Normalization(rawValue: 4)
        /// The SQuAD evaluation script's normalization: lowercase, ASCII punctuation removed,
        /// the articles a/an/the removed, whitespace collapsed.
        public static let squad = Normalization(rawValue: 8)
        /// strip + caseInsensitive + collapseWhitespace.
        public static let lenient: Normalization = [.strip, .caseInsensitive, .collapseWhitespace]
    }

    /// `text` with `normalization` applied.
    public static func normalize(_ text: String, _ normalization: Normalization) -> String {
        if normalization.contains(.squad) { return squadNormalize(text) }
        var s = Array(text.unicodeScalars)
        if normalization.contains(.caseInsensitive) { s = PythonText.lower(s) }
        if normalization.contains(.collapseWhitespace) {
            return PythonText.split(s).map { PythonText.string($0) }.joined(separator: " ")
        }
        if normalization.contains(.strip) {
            s = PythonText.rstrip(s)
            s = Array(s.drop(while: PythonText.isSpace))
        }
        return PythonText.string(s)
    }

    /// Whether the normalized prediction equals any normalized reference, code point for code point.
    public static func exactMatch(_ prediction: String, references: [String], normalization: Normalization = .lenient) -> Bool {
        let p = Array(normalize(prediction, normalization).unicodeScalars)
        return references.contains { Array(normalize($0, normalization).unicodeScalars) == p }
    }

    /// Fraction (0...1) of predictions that exactly match one of their references.
    public static func exactMatchRate(predictions: [String], references: [[String]], normalization: Normalization = .lenient) throws -> Double {
        try checkReferences(references, predictions: predictions.count)
        guard !predictions.isEmpty else { return 0 }
        let hits = zip(predictions, references).filter { exactMatch($0, references: $1, normalization: normalization) }.count
        return Double(hits) / Double(predictions.count)
    }

    /// SQuAD's `normalize_answer`: lower, drop `string.punctuation`, replace whole-word
    /// a/an/the by a space, collapse whitespace.
    public static func squadNormalize(_ text: String) -> String {
        squadTokens(text).map { PythonText.string($0) }.joined(separator: " ")
    }

    static func squadTokens(_ text: String) -> [[Unicode.Scalar]] {
        let lowered = PythonText.lower(Array(text.unicodeScalars))
        let s = lowered.filter { !PythonText.isPunctuation($0) }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if let n = articleLength(s, at: i) {
                out.append(" ")
                i += n
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return PythonText.split(out).map { Array($0) }
    }

    /// The length of `\b(a|an|the)\b` matched at `i`, if any. The alternation tries "a"
    /// before "an", so "an" only matches where "a" is not followed by a word boundary.
    private static func articleLength(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        if i > 0 && PythonText.isWordCharacter(s[i - 1]) { return nil }
        for article in ["a", "an", "the"] {
            let a = Array(article.unicodeScalars)
            guard i + a.count <= s.count, s[i..<(i + a.count)].elementsEqual(a) else { continue }
            let end = i + a.count
            if end == s.count || !PythonText.isWordCharacter(s[end]) { return a.count }
        }
        return nil
    }

    /// SQuAD token F1 (0...1) of `prediction` against the best of `references`, over
    /// `squadNormalize`d whitespace tokens. When either side has no tokens, the score is 1 if
    /// both are empty and 0 otherwise (SQuAD v2's rule for unanswerable questions).
    public static func tokenF1(_ prediction: String, references: [String]) -> Double {
        let p = squadTokens(prediction)
        var best = 0.0
        for reference in references {
            let r = squadTokens(reference)
            best = max(best, tokenF1(p, r))
        }
        return best
    }

    /// Mean token F1 over a corpus (0...1).
    public static func meanTokenF1(predictions: [String], references: [[String]]) throws -> Double {
        try checkReferences(references, predictions: predictions.count)
        guard !predictions.isEmpty else { return 0 }
        return zip(predictions, references).reduce(0.0) { $0 + tokenF1($1.0, references: $1.1) } / Double(predictions.count)
    }

    static func tokenF1(_ prediction: [[Unicode.Scalar]], _ reference: [[Unicode.Scalar]]) -> Double {
        if prediction.isEmpty || reference.isEmpty { return prediction.isEmpty && reference.isEmpty ? 1 : 0 }
        var referenceCounts: [[Unicode.Scalar]: Int] = [:]
        for t in reference { referenceCounts[t, default: 0] += 1 }
        var same = 0
        for t in prediction {
            if let c = referenceCounts[t], c > 0 { same += 1; referenceCounts[t] = c - 1 }
        }
        guard same > 0 else { return 0 }
        let precision = Double(same) / Double(prediction.count)
        let recall = Double(same) / Double(reference.count)
        return 2 * precision * recall / (precision + recall)
    }
}
