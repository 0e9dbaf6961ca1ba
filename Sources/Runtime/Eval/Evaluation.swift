/// One example to evaluate: what the model is asked and the answers that count as right.
public struct EvalExample: Sendable, Equatable {
    public var prompt: String
    /// At least one for text metrics; may be empty when only loss/perplexity is wanted.
    public var references: [String]

    public init(prompt: String, references: [String]) {
        self.prompt = prompt
        self.references = references
    }
}

/// Per-token negative log-likelihoods (nats) of one example's tokens, and which of them are
/// completion tokens, as the model's loss computes them.
public struct TokenLosses: Sendable, Equatable {
    public var nll: [Double]
    public var isCompletion: [Bool]

    public init(nll: [Double], isCompletion: [Bool]) {
        self.nll = nll
        self.isCompletion = isCompletion
    }
}

/// Runs an evaluation: asks the model for each example's answer and/or its token losses, then
/// computes the metrics. The model is reached through closures so this layer needs no tensors.
public enum Evaluation {
    /// What happened so far; the callback answers whether to go on.
    public struct Progress: Sendable, Equatable {
        public var done: Int
        public var total: Int
    }

    /// The report and the predictions (empty without `generate`).
    public struct Result: Sendable, Equatable {
        public var report: EvalReport
        public var predictions: [PredictionRecord]
    }

    /// Evaluates `examples` in order. With `generate`, every example is answered and the text
    /// `metrics` are computed over the answers; with `tokenLosses`, loss and perplexity (whole
    /// sequence and completion only) are added. A stop from `progress` ends the run early and
    /// the report covers the examples done so far.
    public static func run(model: String, dataset: String, examples: [EvalExample], metrics: [TextMetric],
                           normalization: TextMatch.Normalization = .lenient, rougeStemming: Bool = false,
                           generate: ((String) throws -> String)?,
                           tokenLosses: ((EvalExample) throws -> TokenLosses)?,
                           progress: (Progress) -> Bool = { _ in true }) throws -> Result {
        var predictions: [PredictionRecord] = []
        var perplexity = PerplexityAccumulator()
        var done = 0
        for (i, example) in examples.enumerated() {
            if let generate {
                predictions.append(PredictionRecord(index: i, prompt: example.prompt,
                                                    prediction: try generate(example.prompt), references: example.references))
            }
            if let tokenLosses {
                let losses = try tokenLosses(example)
                try perplexity.add(nll: losses.nll, isCompletion: losses.isCompletion)
            }
            done = i + 1
            if !progress(Progress(done: done, total: examples.count)) { break }
        }
        var values: [EvalMetric] = []
        if generate != nil && !metrics.isEmpty {
            values += try TextMetric.compute(metrics, predictions: predictions.map(\.prediction),
                                             references: predictions.map(\.references),
                                             normalization: normalization, rougeStemming: rougeStemming)
        }
        values += perplexity.metrics
        return Result(report: EvalReport(model: model, dataset: dataset, exampleCount: done, metrics: values),
                      predictions: predictions)
    }
}
