/// Half fine-tuning (HFT): full fine-tuning that, in each round of `roundSteps` optimizer steps,
/// trains a seeded half of the transformer blocks and freezes the other half, so every update
/// leaves half of the network's knowledge untouched (Hui et al., 2024, "HFT: Half Fine-Tuning
/// for Large Language Models"). Parameters outside the blocks (embeddings, final norm, head)
/// train in every round. Frozen blocks keep their optimizer moments for the rounds they train.
public struct HalfFineTuning: Sendable, Equatable, Codable {
    public var roundSteps: Int
    public var seed: UInt64

    public init(roundSteps: Int, seed: UInt64 = 42) {
        precondition(roundSteps > 0, "HalfFineTuning: roundSteps \(roundSteps) must be positive")
        self.roundSteps = roundSteps
        self.seed = seed
    }

    /// The blocks trained in `round`: ceil(blockCount / 2) of 0..<blockCount, drawn by a seeded
    /// shuffle that depends only on (seed, round).
    public func trainedBlocks(round: Int, blockCount: Int) -> Set<Int> {
        var generator = SeededGenerator(seed: seed).derived(UInt64(round))
        var order = Array(0..<blockCount)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        return Set(order.prefix((blockCount + 1) / 2))
    }

    /// Sets which parameters train for the round that optimizer step `step` (0-based) is in;
    /// returns the trained blocks.
    @discardableResult
    public func apply(to model: Module, step: Int) -> Set<Int> {
        let parameters = model.namedParameters()
        let blockCount = (parameters.compactMap { blockIndex(ofParameter: $0.name) }.max() ?? -1) + 1
        let trained = trainedBlocks(round: step / roundSteps, blockCount: blockCount)
        for (name, tensor) in parameters {
            tensor.requiresGrad = blockIndex(ofParameter: name).map { trained.contains($0) } ?? true
        }
        return trained
    }
}

/// The transformer block a parameter belongs to, from its HF name (`model.layers.3.…`,
/// `transformer.h.3.…`), or nil for parameters outside the blocks.
public func blockIndex(ofParameter name: String) -> Int? {
    let parts = name.split(separator: ".")
    for (i, part) in parts.enumerated() where (part == "layers" || part == "h") && i + 1 < parts.count {
        if let index = Int(parts[i + 1]) { return index }
    }
    return nil
}
