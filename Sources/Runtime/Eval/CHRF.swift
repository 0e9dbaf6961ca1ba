/// chrF as sacrebleu computes it: character n-grams of orders 1...6 over each segment with
/// whitespace removed, optional word n-grams (chrF++ when `wordOrder` is 2), beta = 2. Per
/// segment the reference with the best F-score is kept; statistics are summed over the corpus
/// and precision and recall averaged over the orders both sides have before the final F-beta.
public enum CHRF {
    /// The score (0...100) and the summed statistics per order: hypothesis, reference and
    /// matched n-gram counts (character orders first, then word orders).
    public struct Score: Sendable, Equatable, Codable {
        public var score: Double
        public var statistics: [[Int]]
    }

    public static func corpusScore(hypotheses: [String], references: [[String]],
                                   charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2,
                                   lowercase: Bool = false) throws -> Score {
        try checkReferences(references, predictions: hypotheses.count)
        precondition(charOrder + wordOrder >= 1, "chrF needs at least one order")
        let orders = charOrder + wordOrder
        var sums = [Int](repeating: 0, count: 3 * orders)
        var counter = NGramCounter()
        func prepare(_ text: String) -> [[Int: Int]] {
            var s = Array(text.unicodeScalars)
            if lowercase { s = PythonText.lower(s) }
            return counter.counts(s, charOrder: charOrder, wordOrder: wordOrder)
        }
        for (hypothesis, refs) in zip(hypotheses, references) {
            // N-gram ids are only compared within a segment; small per-segment tables stay in cache.
            counter.startSegment()
            let hyp = prepare(hypothesis)
            var best: [Int] = []
            var bestF = -1.0
            for ref in refs {
                let r = prepare(ref)
                var stats: [Int] = []
                stats.reserveCapacity(3 * orders)
                for (h, rr) in zip(hyp, r) { stats.append(contentsOf: matchStatistics(h, rr)) }
                let f = fScore(stats, beta: beta)
                if f > bestF { bestF = f; best = stats }
            }
            for i in sums.indices { sums[i] += best[i] }
        }
        let grouped = stride(from: 0, to: sums.count, by: 3).map { Array(sums[$0..<($0 + 3)]) }
        return Score(score: fScore(sums, beta: beta), statistics: grouped)
    }

    /// Counts of character n-grams over the text with whitespace removed, then of word n-grams
    /// over words with one leading or trailing punctuation mark split off; one table per order.
    struct NGramCounter {
        private var characters = NGramInterner()
        private var words = NGramInterner()
        private var vocabulary = TokenVocabulary()

        mutating func startSegment() {
            characters = NGramInterner()
            words = NGramInterner()
        }

        mutating func counts(_ s: [Unicode.Scalar], charOrder: Int, wordOrder: Int) -> [[Int: Int]] {
            var result: [[Int: Int]] = []
            if charOrder > 0 {
                let chars = PythonText.split(s).flatMap { $0.map { Int($0.value) } }
                result += characters.ngramIds(chars, maxOrder: charOrder).map(NGramInterner.counts)
            }
            if wordOrder > 0 {
                let ids = splitPunctuation(s).map { vocabulary.id($0) }
                result += words.ngramIds(ids, maxOrder: wordOrder).map(NGramInterner.counts)
            }
            return result
        }
    }

    /// sacrebleu's `_remove_punctuation`: a final punctuation mark is split off, else an
    /// initial one; one-character words stay whole.
    static func splitPunctuation(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        for w in PythonText.split(s) {
            if w.count == 1 { words.append(w); continue }
            if PythonText.isPunctuation(w[w.endIndex - 1]) {
                words.append(w[w.startIndex..<(w.endIndex - 1)]); words.append(w[(w.endIndex - 1)...])
            } else if PythonText.isPunctuation(w[w.startIndex]) {
                words.append(w[w.startIndex...w.startIndex]); words.append(w[(w.startIndex + 1)...])
            } else {
                words.append(w)
            }
        }
        return words
    }

    /// [hypothesis count (0 when the reference has none of this order), reference count, matches].
    static func matchStatistics(_ hyp: [Int: Int], _ ref: [Int: Int]) -> [Int] {
        var matches = 0, hypCount = 0
        for (ngram, count) in hyp {
            hypCount += count
            if let r = ref[ngram] { matches += min(count, r) }
        }
        return [ref.isEmpty ? 0 : hypCount, ref.values.reduce(0, +), matches]
    }

    /// F-beta (in percent) of precision and recall averaged over the orders where both the
    /// hypothesis and the reference have n-grams.
    static func fScore(_ stats: [Int], beta: Int) -> Double {
        let factor = Double(beta * beta)
        var avgPrecision = 0.0, avgRecall = 0.0
        var effectiveOrder = 0
        for i in stride(from: 0, to: stats.count, by: 3) {
            let nHyp = stats[i], nRef = stats[i + 1], nMatch = stats[i + 2]
            guard nHyp > 0 && nRef > 0 else { continue }
            avgPrecision += Double(nMatch) / Double(nHyp)
            avgRecall += Double(nMatch) / Double(nRef)
            effectiveOrder += 1
        }
        guard effectiveOrder > 0 else { return 0 }
        avgPrecision /= Double(effectiveOrder)
        avgRecall /= Double(effectiveOrder)
        guard avgPrecision + avgRecall != 0 else { return 0 }
        var score = (1 + factor) * avgPrecision * avgRecall
        score /= factor * avgPrecision + avgRecall
        return 100 * score
    }
}
