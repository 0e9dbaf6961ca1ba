import Foundation

/// How the next token is chosen, in HF's order: repetition penalty, temperature, top-k,
/// top-p, then a draw from the seeded generator. Temperature 0 is greedy.
public struct SamplingOptions: Sendable, Equatable, Codable {
    public var maxNewTokens: Int = 256
    public var temperature: Double = 0
    public var topK: Int = 0
    public var topP: Double = 1
    public var repetitionPenalty: Double = 1
    public var seed: UInt64 = 42
    /// Generation ends after any of these texts appears in the output (it is cut off).
    public var stopStrings: [String] = []
    /// Token ids that end generation (the model's EOS ids and chat turn terminators).
    public var stopTokenIds: [Int] = []

    public init(maxNewTokens: Int = 256, temperature: Double = 0, topK: Int = 0, topP: Double = 1,
                repetitionPenalty: Double = 1, seed: UInt64 = 42, stopStrings: [String] = [], stopTokenIds: [Int] = []) {
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
        self.stopStrings = stopStrings
        self.stopTokenIds = stopTokenIds
    }
}

/// Picks token ids from logits rows, keeping its own random stream.
public struct TokenSampler: Sendable {
    public let options: SamplingOptions
    private var generator: SeededGenerator

    public init(options: SamplingOptions) {
        self.options = options
        generator = SeededGenerator(seed: options.seed)
    }

    /// The next token for `logits` [V], given every token of the context so far (prompt and
    /// generated) for the repetition penalty.
    public mutating func next(logits: [Float], context: [Int]) -> Int {
        var scores = logits
        if options.repetitionPenalty != 1 {
            let penalty = Float(options.repetitionPenalty)
            for id in Set(context) where id >= 0 && id < scores.count {
                scores[id] = scores[id] > 0 ? scores[id] / penalty : scores[id] * penalty
            }
        }
        if options.temperature <= 0 { return argmax(scores) }
        let inverse = Float(1 / options.temperature)
        var candidates = scores.indices.map { (id: $0, score: scores[$0] * inverse) }
        candidates.sort { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
        if options.topK > 0 && options.topK < candidates.count { candidates.removeLast(candidates.count - options.topK) }
        let top = candidates[0].score
        var weights = candidates.map { Double(Foundation.exp($0.score - top)) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        if options.topP < 1 {
            // Keep the smallest head whose mass reaches top_p (at least one token), as HF does.
            var mass = 0.0, keep = 0
            while keep < weights.count && (keep == 0 || mass < options.topP) { mass += weights[keep]; keep += 1 }
            candidates.removeLast(candidates.count - keep)
            weights.removeLast(weights.count - keep)
            let kept = weights.reduce(0, +)
            weights = weights.map { $0 / kept }
        }
        var u = Double(generator.nextUniform())
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return candidates[i].id }
        }
        return candidates[candidates.count - 1].id
    }

    private func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
