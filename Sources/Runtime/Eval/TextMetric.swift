/// The text metrics `eval` can compute from predictions and references, by their report names.
/// Exact match, token F1, accuracy, macro-F1 and ROUGE are fractions in 0...1; BLEU and chrF
/// are in 0...100, as sacrebleu reports them.
public enum TextMetric: String, CaseIterable, Sendable, Codable {
    case exactMatch = "exact_match"
    case tokenF1 = "token_f1"
    case accuracy
    case macroF1 = "macro_f1"
    case bleu
    case chrf
    case rouge1
    case rouge2
    case rougeL
    case rougeLsum

    /// Computes `metrics` in the given order. `references[i]` are the acceptable answers for
    /// `predictions[i]`; label metrics (accuracy, macro-F1) use the first one.
    public static func compute(_ metrics: [TextMetric], predictions: [String], references: [[String]],
                               normalization: TextMatch.Normalization = .lenient,
                               rougeStemming: Bool = false) throws -> [EvalMetric] {
        try checkReferences(references, predictions: predictions.count)
        var labels: LabelMetrics?
        var rouge: ROUGE.CorpusScores?
        func labelMetrics() throws -> LabelMetrics {
            if let l = labels { return l }
            let l = try LabelMetrics(predictions: predictions, references: references.map { $0[0] }, normalization: normalization)
            labels = l
            return l
        }
        func rougeScores() throws -> ROUGE.CorpusScores {
            if let r = rouge { return r }
            let r = try ROUGE.corpusScore(predictions: predictions, references: references, stemming: rougeStemming)
            rouge = r
            return r
        }
        return try metrics.map { metric in
            let value: Double
            switch metric {
            case .exactMatch:
                value = try TextMatch.exactMatchRate(predictions: predictions, references: references, normalization: normalization)
            case .tokenF1: value = try TextMatch.meanTokenF1(predictions: predictions, references: references)
            case .accuracy: value = try labelMetrics().accuracy
            case .macroF1: value = try labelMetrics().macroF1
            case .bleu: value = try BLEU.corpusScore(hypotheses: predictions, references: references).score
            case .chrf: value = try CHRF.corpusScore(hypotheses: predictions, references: references).score
            case .rouge1: value = try rougeScores().rouge1
            case .rouge2: value = try rougeScores().rouge2
            case .rougeL: value = try rougeScores().rougeL
            case .rougeLsum: value = try rougeScores().rougeLsum
            }
            return EvalMetric(name: metric.rawValue, value: value)
        }
    }
}

extension PerplexityAccumulator {
    /// loss, perplexity, completion_loss and completion_perplexity, for those that have tokens.
    public var metrics: [EvalMetric] {
        [("loss", loss), ("perplexity", perplexity),
         ("completion_loss", completionLoss), ("completion_perplexity", completionPerplexity)]
            .compactMap { name, value in value.map { EvalMetric(name: name, value: $0, higherIsBetter: false) } }
    }
}
