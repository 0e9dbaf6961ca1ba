import Foundation

/// Evaluates a causal LM on data rows: greedy answers for the text metrics and per-token NLLs
/// for loss and perplexity, through `Evaluation.run`.
///
/// ```swift
/// let result = try ModelEvaluation.run(model: network, tokenizer: tokenizer, examples: rows,
///                                      template: .plain, name: "base", dataset: "eval.jsonl",
///                                      metrics: [.exactMatch, .bleu], generation: options)
/// ```
public enum ModelEvaluation {
    /// What a row is split into: the text before the answer (what the model is asked), the
    /// expected answer, and the segments of the whole example (for its token losses).
    public struct Item: Sendable, Equatable {
        public var prompt: String
        public var reference: String
        public var segments: [TextSegment]
    }

    /// Splits one example with `template`: the prompt is every segment before the last
    /// supervised one (the last assistant turn, or the completion); the reference is the
    /// example's own answer text (the completion, output or last assistant message), without
    /// the end-of-turn text a chat template adds. Throws for rows without an answer (`text` rows).
    public static func item(_ example: SourceExample, template: PromptTemplate, file: String = "") throws -> Item {
        let segments = try template.render(example, file: file)
        guard let last = segments.lastIndex(where: \.supervised), last > 0 || !segments[last].text.isEmpty else {
            throw DataError(file: file, line: example.row.line, "the row has no answer to evaluate")
        }
        let reference: String
        switch example.content {
        case let .promptCompletion(_, completion): reference = completion
        case let .instruction(_, _, output): reference = output
        case let .conversation(turns):
            guard let answer = turns.last(where: { $0.role == "assistant" }) else {
                throw DataError(file: file, line: example.row.line, key: "messages", "the conversation has no assistant turn to evaluate")
            }
            reference = answer.content
        case .text:
            throw DataError(file: file, line: example.row.line, key: "text",
                            "a 'text' row has no prompt and answer: evaluate prompt/completion, instruction or messages rows")
        }
        return Item(prompt: segments[..<last].map(\.text).joined(), reference: reference, segments: segments)
    }

    /// Per-token NLLs (nats) of token rows, `batchSize` rows per forward pass (right-padded;
    /// causal attention keeps padding from reaching real positions). Row r gives nll[t] for
    /// predicting ids[t + 1] from ids[...t], t in 0..<count-1, in float64.
    public static func tokenNLLs(model: any CausalLM, rows: [[Int]], batchSize: Int = 4) -> [[Double]] {
        precondition(batchSize > 0, "tokenNLLs: batch size \(batchSize)")
        var out: [[Double]] = []
        out.reserveCapacity(rows.count)
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            let batch = Array(rows[start..<min(start + batchSize, rows.count)])
            let length = batch.map(\.count).max() ?? 0
            guard length > 1 else { out += batch.map { _ in [] }; continue }
            let ids = batch.flatMap { $0 + [Int](repeating: 0, count: length - $0.count) }
            // logits: [batch, length, vocab]
            let logits = withNoGrad { model.logits(ModelInput(ids: ids, batch: batch.count, length: length)) }
            let vocab = model.config.vocabSize
            logits.withUnsafeBufferPointer { p in
                for (r, row) in batch.enumerated() {
                    out.append((0..<(row.count - 1)).map { t in
                        negativeLogLikelihood(p.baseAddress! + (r * length + t) * vocab, count: vocab, target: row[t + 1])
                    })
                }
            }
        }
        return out
    }

    /// -log softmax(logits)[target] in float64 (max-shifted).
    static func negativeLogLikelihood(_ logits: UnsafePointer<Float>, count: Int, target: Int) -> Double {
        precondition(target >= 0 && target < count, "token id \(target) outside the vocabulary of \(count)")
        var top = -Double.infinity
        for i in 0..<count { top = max(top, Double(logits[i])) }
        var sum = 0.0
        for i in 0..<count { sum += exp(Double(logits[i]) - top) }
        return top + log(sum) - Double(logits[target])
    }

    /// Greedy answers (with `generation`) and token losses (when `losses`) for every example,
    /// then the metrics. Examples longer than `maxLength` tokens are cut for the loss; prompts
    /// keep their last `maxLength - 1` tokens so there is room to answer. Generation stops at
    /// `generation.stopTokenIds`. `progress` may answer false to stop early.
    public static func run(model: any CausalLM, tokenizer: any TextTokenizer, examples: [SourceExample],
                           template: PromptTemplate, name: String, dataset: String, metrics: [TextMetric],
                           normalization: TextMatch.Normalization = .lenient, generation: SamplingOptions?,
                           losses: Bool = true, maxLength: Int = 1024, batchSize: Int = 4,
                           progress: (Evaluation.Progress) -> Bool = { _ in true }) throws -> Evaluation.Result {
        let encoder = try ExampleTokenizer(tokenizer: tokenizer,
                                           options: TokenizationOptions(maxLength: maxLength, loss: .completionOnly))
        let items = try examples.map { try item($0, template: template, file: dataset) }
        let evalExamples = items.map { EvalExample(prompt: $0.prompt, references: [$0.reference]) }
        let promptIds = Dictionary(items.map(\.prompt).map { ($0, encoder.encode($0)) }, uniquingKeysWith: { a, _ in a })

        var generate: ((String) throws -> String)?
        if let generation {
            generate = { prompt in
                let ids = Array(promptIds[prompt]!.suffix(max(1, min(maxLength, model.config.maxPositionEmbeddings) - 1)))
                return Runtime.generate(model, tokenizer: tokenizer, prompt: ids, options: generation).text
            }
        }
        // Evaluation.run asks for examples in order: losses are computed a batch ahead.
        var tokenLosses: ((EvalExample) throws -> TokenLosses)?
        if losses {
            let rows = items.map { item -> (ids: [Int], supervised: [Bool]) in
                let t = encoder.tokens(of: item.segments)
                let limit = min(maxLength, model.config.maxPositionEmbeddings)
                return (Array(t.ids.prefix(limit)), Array(t.supervised.prefix(limit)))
            }
            var next = 0
            var computed: [Int: [Double]] = [:]
            tokenLosses = { _ in
                defer { next += 1 }
                if computed[next] == nil {
                    let end = min(next + batchSize, rows.count)
                    for (k, nll) in tokenNLLs(model: model, rows: rows[next..<end].map(\.ids), batchSize: batchSize).enumerated() {
                        computed[next + k] = nll
                    }
                }
                let nll = computed.removeValue(forKey: next)!
                return TokenLosses(nll: nll, isCompletion: Array(rows[next].supervised.dropFirst()))
            }
        }
        return try Evaluation.run(model: name, dataset: dataset, examples: evalExamples, metrics: metrics,
                                  normalization: normalization, generate: generate, tokenLosses: tokenLosses,
                                  progress: progress)
    }
}
