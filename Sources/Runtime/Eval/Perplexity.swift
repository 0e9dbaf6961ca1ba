import Foundation

/// Mean negative log-likelihood and perplexity over the tokens of many sequences, counted two
/// ways at once: every scored token, and only the completion tokens (the ones training
/// supervises). The caller gives per-token NLLs in nats, as the model's cross-entropy gives them.
public struct PerplexityAccumulator: Sendable, Equatable {
    public private(set) var totalNLL = 0.0
    public private(set) var tokenCount = 0
    public private(set) var completionNLL = 0.0
    public private(set) var completionTokenCount = 0
    public private(set) var sequenceCount = 0

    public init() {}

    /// Adds one sequence: `nll[t]` is the NLL of its t-th scored token, `isCompletion[t]`
    /// whether that token belongs to the completion. Both arrays have the same length.
    public mutating func add(nll: [Double], isCompletion: [Bool]) throws {
        guard nll.count == isCompletion.count else {
            throw EvalInputError.countMismatch(what: "completion mask", expected: nll.count, actual: isCompletion.count)
        }
        if let i = nll.firstIndex(where: { !$0.isFinite }) { throw EvalInputError.notFinite(what: "nll", index: i) }
        for (v, c) in zip(nll, isCompletion) {
            totalNLL += v
            if c { completionNLL += v; completionTokenCount += 1 }
        }
        tokenCount += nll.count
        sequenceCount += 1
    }

    /// Mean NLL per token over whole sequences (nil before any token).
    public var loss: Double? { tokenCount > 0 ? totalNLL / Double(tokenCount) : nil }
    /// exp(loss).
    public var perplexity: Double? { loss.map(exp) }
    /// Mean NLL per completion token (nil when no completion token was seen).
    public var completionLoss: Double? { completionTokenCount > 0 ? completionNLL / Double(completionTokenCount) : nil }
    /// exp(completionLoss).
    public var completionPerplexity: Double? { completionLoss.map(exp) }
}
