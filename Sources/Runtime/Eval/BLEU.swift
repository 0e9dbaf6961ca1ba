import Foundation

/// Corpus BLEU exactly as sacrebleu computes it with its defaults: 13a tokenization, case
/// sensitive, n-grams up to 4, `exp` smoothing (mteval's: the k-th zero-match order counts as
/// 1/2^k matches), brevity penalty against the closest reference length (shorter on ties),
/// n-gram clipping against the maximum count over the references.
public enum BLEU {
    /// The score (0...100) with its sufficient statistics, as sacrebleu's `BLEUScore`.
    public struct Score: Sendable, Equatable, Codable {
        public var score: Double
        /// Matched n-grams, index n-1 for order n.
        public var counts: [Int]
        /// Hypothesis n-grams, index n-1 for order n.
        public var totals: [Int]
        /// Smoothed precisions in percent.
        public var precisions: [Double]
        public var brevityPenalty: Double
        public var hypothesisLength: Int
        public var referenceLength: Int
    }

    /// Corpus BLEU of `hypotheses` where `references[i]` are the references of hypothesis i
    /// (any number, at least one).
    /// With `effectiveOrder`, orders the hypotheses have no n-grams of are left out of the
    /// geometric mean instead of zeroing it (sacrebleu's `effective_order`, for short segments).
    public static func corpusScore(hypotheses: [String], references: [[String]],
                                   lowercase: Bool = false, maxOrder: Int = 4, effectiveOrder: Bool = false) throws -> Score {
        try checkReferences(references, predictions: hypotheses.count)
        precondition(maxOrder >= 1, "BLEU maxOrder must be >= 1, got \(maxOrder)")
        var vocabulary = TokenVocabulary()
        // N-gram ids are only compared within one segment; a fresh table per segment stays small
        // and in cache, where one table for the whole corpus would miss on every lookup.
        var interner = NGramInterner()
        func ngrams(_ text: String) -> (length: Int, counts: [[Int: Int]]) {
            var s = PythonText.rstrip(Array(text.unicodeScalars))
            if lowercase { s = PythonText.lower(s) }
            let tokens = PythonText.split(Tokenizer13a.tokenizeScalars(s)).map { vocabulary.id($0) }
            return (tokens.count, interner.ngramIds(tokens, maxOrder: maxOrder).map(NGramInterner.counts))
        }
        var correct = [Int](repeating: 0, count: maxOrder)
        var total = [Int](repeating: 0, count: maxOrder)
        var hypothesisLength = 0, referenceLength = 0
        for (hypothesis, refs) in zip(hypotheses, references) {
            interner = NGramInterner()
            // Clip against the largest count of each n-gram in any one reference.
            var maxReferenceCounts = [[Int: Int]](repeating: [:], count: maxOrder)
            var referenceLengths: [Int] = []
            for ref in refs {
                let r = ngrams(ref)
                referenceLengths.append(r.length)
                for n in 0..<maxOrder {
                    maxReferenceCounts[n].merge(r.counts[n], uniquingKeysWith: max)
                }
            }
            let h = ngrams(hypothesis)
            hypothesisLength += h.length
            referenceLength += closestLength(to: h.length, among: referenceLengths)
            for n in 0..<maxOrder {
                for (ngram, count) in h.counts[n] {
                    total[n] += count
                    correct[n] += min(count, maxReferenceCounts[n][ngram] ?? 0)
                }
            }
        }
        return score(correct: correct, total: total, hypothesisLength: hypothesisLength,
                     referenceLength: referenceLength, effectiveOrder: effectiveOrder)
    }

    /// BLEU of one hypothesis, as `sacrebleu.sentence_bleu` computes it (effective order on).
    public static func sentenceScore(hypothesis: String, references: [String], lowercase: Bool = false) throws -> Score {
        try corpusScore(hypotheses: [hypothesis], references: [references], lowercase: lowercase, effectiveOrder: true)
    }

    /// The score from sufficient statistics (sacrebleu's `compute_bleu` with `exp` smoothing).
    public static func score(correct: [Int], total: [Int], hypothesisLength: Int, referenceLength: Int,
                             effectiveOrder: Bool = false) -> Score {
        precondition(correct.count == total.count, "BLEU counts \(correct.count) vs totals \(total.count)")
        var bp = 1.0
        if hypothesisLength < referenceLength {
            bp = hypothesisLength > 0 ? exp(1 - Double(referenceLength) / Double(hypothesisLength)) : 0
        }
        var precisions = [Double](repeating: 0, count: correct.count)
        var result = Score(score: 0, counts: correct, totals: total, precisions: precisions, brevityPenalty: bp,
                           hypothesisLength: hypothesisLength, referenceLength: referenceLength)
        guard correct.contains(where: { $0 != 0 }) else { return result }
        var smooth = 1.0
        var orders = correct.count
        for n in correct.indices {
            if total[n] == 0 { break }
            if effectiveOrder { orders = n + 1 }
            if correct[n] == 0 {
                smooth *= 2
                precisions[n] = 100.0 / (smooth * Double(total[n]))
            } else {
                precisions[n] = 100.0 * Double(correct[n]) / Double(total[n])
            }
        }
        // sacrebleu floors log(0) at -9999999999 instead of -inf.
        var logSum = 0.0
        for p in precisions[..<orders] { logSum += p == 0 ? -9_999_999_999 : log(p) }
        result.precisions = precisions
        result.score = bp * exp(logSum / Double(orders))
        return result
    }

    /// The reference length nearest to `length`; the shorter one on a tie.
    static func closestLength(to length: Int, among lengths: [Int]) -> Int {
        var best = -1, bestDiff = -1
        for l in lengths {
            let d = abs(length - l)
            if bestDiff == -1 || d < bestDiff || (d == bestDiff && l < best) { best = l; bestDiff = d }
        }
        return best
    }
}
