/// Accuracy and macro-F1 for label-style outputs (a class name per example).
public struct LabelMetrics: Sendable, Equatable, Codable {
    /// Precision, recall and F1 of one label, and how many references carry it.
    public struct PerLabel: Sendable, Equatable, Codable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    /// Fraction (0...1) of predictions equal to their reference after normalization.
    public var accuracy: Double
    /// Unweighted mean of per-label F1 over every label seen in references or predictions
    /// (scikit-learn's `f1_score(average="macro")`; a label never predicted scores 0).
    public var macroF1: Double
    /// Sorted by label.
    public var labels: [PerLabel]

    /// Compares `predictions[i]` with `references[i]` after `normalization` (by default case,
    /// surrounding and repeated whitespace are ignored, so " Positive" counts as "positive").
    public init(predictions: [String], references: [String],
                normalization: TextMatch.Normalization = .lenient) throws {
        guard predictions.count == references.count else {
            throw EvalInputError.countMismatch(what: "references", expected: predictions.count, actual: references.count)
        }
        // Labels are compared code point for code point, as Python compares strings (Swift's
        // String equality would merge canonically equivalent spellings).
        typealias Label = [Unicode.Scalar]
        let p = predictions.map { Array(TextMatch.normalize($0, normalization).unicodeScalars) }
        let r = references.map { Array(TextMatch.normalize($0, normalization).unicodeScalars) }
        var truePositives: [Label: Int] = [:], predicted: [Label: Int] = [:], actual: [Label: Int] = [:]
        var correct = 0
        for (a, b) in zip(p, r) {
            predicted[a, default: 0] += 1
            actual[b, default: 0] += 1
            if a == b { correct += 1; truePositives[a, default: 0] += 1 }
        }
        let names = Set(predicted.keys).union(actual.keys).sorted { $0.lexicographicallyPrecedes($1) { $0.value < $1.value } }
        labels = names.map { name in
            let tp = Double(truePositives[name] ?? 0)
            let nPred = Double(predicted[name] ?? 0), nTrue = Double(actual[name] ?? 0)
            let precision = nPred > 0 ? tp / nPred : 0
            let recall = nTrue > 0 ? tp / nTrue : 0
            let f1 = nPred + nTrue > 0 ? 2 * tp / (nPred + nTrue) : 0
            return PerLabel(label: PythonText.string(name), precision: precision, recall: recall, f1: f1,
                            support: actual[name] ?? 0)
        }
        accuracy = predictions.isEmpty ? 0 : Double(correct) / Double(predictions.count)
        macroF1 = labels.isEmpty ? 0 : labels.reduce(0.0) { $0 + $1.f1 } / Double(labels.count)
    }
}
