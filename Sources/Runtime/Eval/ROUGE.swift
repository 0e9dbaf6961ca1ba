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
        var words: [String] = []
        Tokenizer.forEachToken(PythonText.lower(Array(text.unicodeScalars))[...]) { token in
            words.append(PythonText.string(stemming && token.count > 3 ? PorterStemmer.stem(scalars: Array(token)) : Array(token)))
        }
        return words
    }

    /// Scores of `prediction` against `target` (`RougeScorer.score(target, prediction)`).
    public static func score(target: String, prediction: String, stemming: Bool = false) -> ExampleScores {
        score(targets: [target], prediction: prediction, stemming: stemming)
    }

    /// Against several targets, each ROUGE type keeps the target with the highest F-measure
    /// (the first on ties), as `RougeScorer.score_multi` does.
    public static func score(targets: [String], prediction: String, stemming: Bool = false) -> ExampleScores {
        var tokenizer = Tokenizer(stemming: stemming)
        return score(targets: targets, prediction: prediction, tokenizer: &tokenizer)
    }

    /// Mean F-measure over examples; `references[i]` are the targets of `predictions[i]`.
    public static func corpusScore(predictions: [String], references: [[String]], stemming: Bool = false) throws -> CorpusScores {
        try checkReferences(references, predictions: predictions.count)
        var tokenizer = Tokenizer(stemming: stemming)
        let examples = zip(predictions, references).map { score(targets: $1, prediction: $0, tokenizer: &tokenizer) }
        func mean(_ pick: (ExampleScores) -> Double) -> Double {
            examples.isEmpty ? 0 : examples.reduce(0.0) { $0 + pick($1) } / Double(examples.count)
        }
        return CorpusScores(rouge1: mean { $0.rouge1.fmeasure }, rouge2: mean { $0.rouge2.fmeasure },
                            rougeL: mean { $0.rougeL.fmeasure }, rougeLsum: mean { $0.rougeLsum.fmeasure },
                            examples: examples)
    }

    // MARK: internals

    static func score(targets: [String], prediction: String, tokenizer: inout Tokenizer) -> ExampleScores {
        precondition(!targets.isEmpty, "ROUGE needs at least one target")
        // N-gram ids are only compared within an example; small per-example tables stay in cache.
        tokenizer.ngrams = NGramInterner()
        let p = tokenizer.sentences(prediction)
        let all = targets.map { score(tokenizer.sentences($0), p, ngrams: &tokenizer.ngrams) }
        func best(_ pick: (ExampleScores) -> Score) -> Score {
            var b = pick(all[0])
            for s in all.dropFirst() where pick(s).fmeasure > b.fmeasure { b = pick(s) }
            return b
        }
        return ExampleScores(rouge1: best(\.rouge1), rouge2: best(\.rouge2), rougeL: best(\.rougeL),
                             rougeLsum: best(\.rougeLsum))
    }

    /// Both texts as token ids per "\n"-separated line; the whole text's tokens are the lines'
    /// tokens in order, since a newline is itself a separator.
    static func score(_ target: [[Int]], _ prediction: [[Int]], ngrams: inout NGramInterner) -> ExampleScores {
        let t = Array(target.joined()), p = Array(prediction.joined())
        let tn = ngrams.ngramIds(t, maxOrder: 2), pn = ngrams.ngramIds(p, maxOrder: 2)
        return ExampleScores(rouge1: ngramScore(tn[0], pn[0]), rouge2: ngramScore(tn[1], pn[1]),
                             rougeL: lcsScore(t, p), rougeLsum: summaryLevelScore(target, prediction))
    }

    /// rouge-score's tokenizer, giving token ids: lowercase, runs of [a-z0-9] are tokens, and
    /// with stemming those longer than three letters are stemmed (each distinct word once).
    struct Tokenizer {
        let stemming: Bool
        var ngrams = NGramInterner()
        /// Word as written -> id of its final (stemmed) form.
        private var wordIds: [ArraySlice<Unicode.Scalar>: Int] = [:]
        /// Final form -> id; two words share an id exactly when their final forms are equal.
        private var formIds: [ArraySlice<Unicode.Scalar>: Int] = [:]

        init(stemming: Bool) { self.stemming = stemming }

        /// Token ids of each non-empty line of `text` (`text.split("\n")`, empty lines dropped).
        mutating func sentences(_ text: String) -> [[Int]] {
            let lowered = PythonText.lower(Array(text.unicodeScalars))
            return lowered.split(separator: "\n", omittingEmptySubsequences: true).map { line in
                var ids: [Int] = []
                Self.forEachToken(line) { ids.append(id($0)) }
                return ids
            }
        }

        private mutating func id(_ word: ArraySlice<Unicode.Scalar>) -> Int {
            if let id = wordIds[word] { return id }
            let form = stemming && word.count > 3 ? PorterStemmer.stem(scalars: Array(word))[...] : word
            let id: Int
            if let existing = formIds[form] {
                id = existing
            } else {
                id = formIds.count
                formIds[form] = id
            }
            wordIds[word] = id
            return id
        }

        /// Calls `body` with each maximal run of [a-z0-9] in lowercased text.
        static func forEachToken(_ s: ArraySlice<Unicode.Scalar>, _ body: (ArraySlice<Unicode.Scalar>) -> Void) {
            var start: Int? = nil
            for i in s.indices {
                let c = s[i]
                if (c.value >= 0x61 && c.value <= 0x7A) || PythonText.isASCIIDigit(c) {
                    if start == nil { start = i }
                } else if let b = start {
                    body(s[b..<i])
                    start = nil
                }
            }
            if let b = start { body(s[b..<s.endIndex]) }
        }
    }

    /// ROUGE-N from the n-gram ids of both sides.
    static func ngramScore(_ target: [Int], _ prediction: [Int]) -> Score {
        let tc = NGramInterner.counts(target), pc = NGramInterner.counts(prediction)
        var overlap = 0
        for (ngram, count) in tc { overlap += min(count, pc[ngram] ?? 0) }
        let targetTotal = tc.values.reduce(0, +), predictionTotal = pc.values.reduce(0, +)
        return Score(precision: Double(overlap) / Double(max(predictionTotal, 1)),
                     recall: Double(overlap) / Double(max(targetTotal, 1)))
    }

    static func lcsScore(_ target: [Int], _ prediction: [Int]) -> Score {
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
