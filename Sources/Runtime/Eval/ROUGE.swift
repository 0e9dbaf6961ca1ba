/// ROUGE-N and ROUGE-L as Google's `rouge-score` package computes them with its default
/// tokenizer: lowercase, every run of characters other than a-z and 0-9 becomes a separator,
/// and (with stemming) words longer than three letters go through NLTK's Porter stemmer.
public enum ROUGE {
    /// Precision, recall and F-measure of one prediction against one target.
    public struct Score: Sendable, Equatable, Codable {
        public var precision: Double
        public var recall: Double
        public var fmeasure: Double

        init(precision: Double, recall: Double) {
            self.precision = precision
            self.recall = recall
            fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        }
    }

    /// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum (sentences split at newlines) of one example.
    public struct ExampleScores: Sendable, Equatable, Codable {
        public var rouge1: Score
        public var rouge2: Score
        public var rougeL: Score
        public var rougeLsum: Score
    }

    /// Mean F-measures over a corpus, with the per-example scores they average.
    public struct CorpusScores: Sendable, Equatable, Codable {
        public var rouge1: Double
        public var rouge2: Double
        public var rougeL: Double
        public var rougeLsum: Double
        public var examples: [ExampleScores]
    }

    /// rouge-score's default tokens of `text`.
    public static func tokenize(_ text: String, stemming: Bool = false) -> [String] {
        tokens(text, stemming: stemming).map { PythonText.string($0) }
    }

    /// Scores of `prediction` against `target` (`RougeScorer.score(target, prediction)`).
    public static func score(target: String, prediction: String, stemming: Bool = false) -> ExampleScores {
        let t = tokens(target, stemming: stemming), p = tokens(prediction, stemming: stemming)
        return ExampleScores(rouge1: ngramScore(t, p, n: 1), rouge2: ngramScore(t, p, n: 2), rougeL: lcsScore(t, p),
                             rougeLsum: summaryLevelScore(sentenceTokens(target, stemming: stemming),
                                                          sentenceTokens(prediction, stemming: stemming)))
    }

    /// Against several targets, each ROUGE type keeps the target with the highest F-measure
    /// (the first on ties), as `RougeScorer.score_multi` does.
    public static func score(targets: [String], prediction: String, stemming: Bool = false) -> ExampleScores {
        precondition(!targets.isEmpty, "ROUGE needs at least one target")
        let all = targets.map { score(target: $0, prediction: prediction, stemming: stemming) }
        func best(_ pick: (ExampleScores) -> Score) -> Score {
            var b = pick(all[0])
            for s in all.dropFirst() where pick(s).fmeasure > b.fmeasure { b = pick(s) }
            return b
        }
        return ExampleScores(rouge1: best(\.rouge1), rouge2: best(\.rouge2), rougeL: best(\.rougeL),
                             rougeLsum: best(\.rougeLsum))
    }

    /// Mean F-measure over examples; `references[i]` are the targets of `predictions[i]`.
    public static func corpusScore(predictions: [String], references: [[String]], stemming: Bool = false) throws -> CorpusScores {
        try checkReferences(references, predictions: predictions.count)
        let examples = zip(predictions, references).map { score(targets: $1, prediction: $0, stemming: stemming) }
        func mean(_ pick: (ExampleScores) -> Double) -> Double {
            examples.isEmpty ? 0 : examples.reduce(0.0) { $0 + pick($1) } / Double(examples.count)
        }
        return CorpusScores(rouge1: mean { $0.rouge1.fmeasure }, rouge2: mean { $0.rouge2.fmeasure },
                            rougeL: mean { $0.rougeL.fmeasure }, rougeLsum: mean { $0.rougeLsum.fmeasure },
                            examples: examples)
    }

    // MARK: internals

    /// Tokens as ASCII scalar arrays (what survives the tokenizer is always [a-z0-9]+).
    static func tokens(_ text: String, stemming: Bool) -> [[Unicode.Scalar]] {
        var out: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        func flush() {
            guard !current.isEmpty else { return }
            out.append(stemming && current.count > 3 ? PorterStemmer.stem(scalars: current) : current)
            current.removeAll(keepingCapacity: true)
        }
        for c in PythonText.lower(Array(text.unicodeScalars)) {
            if (c.value >= 0x61 && c.value <= 0x7A) || PythonText.isASCIIDigit(c) { current.append(c) } else { flush() }
        }
        flush()
        return out
    }

    static func ngramScore(_ target: [[Unicode.Scalar]], _ prediction: [[Unicode.Scalar]], n: Int) -> Score {
        func counts(_ t: [[Unicode.Scalar]]) -> [ArraySlice<[Unicode.Scalar]>: Int] {
            var c: [ArraySlice<[Unicode.Scalar]>: Int] = [:]
            if t.count >= n { for i in 0...(t.count - n) { c[t[i..<(i + n)], default: 0] += 1 } }
            return c
        }
        let tc = counts(target), pc = counts(prediction)
        var overlap = 0
        for (ngram, count) in tc { overlap += min(count, pc[ngram] ?? 0) }
        let targetTotal = tc.values.reduce(0, +), predictionTotal = pc.values.reduce(0, +)
        return Score(precision: Double(overlap) / Double(max(predictionTotal, 1)),
                     recall: Double(overlap) / Double(max(targetTotal, 1)))
    }

    static func lcsScore(_ target: [[Unicode.Scalar]], _ prediction: [[Unicode.Scalar]]) -> Score {
        guard !target.isEmpty && !prediction.isEmpty else { return Score(precision: 0, recall: 0) }
        let length = lcsLength(target, prediction)
        return Score(precision: Double(length) / Double(prediction.count), recall: Double(length) / Double(target.count))
    }

    /// Longest common subsequence length, one DP row at a time: O(|a|·|b|) time, O(|b|) memory.
    static func lcsLength<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        var previous = [Int](repeating: 0, count: b.count + 1)
        var row = previous
        for i in 1...a.count {
            for j in 1...b.count {
                row[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : max(previous[j], row[j - 1])
            }
            swap(&previous, &row)
        }
        return previous[b.count]
    }
}
