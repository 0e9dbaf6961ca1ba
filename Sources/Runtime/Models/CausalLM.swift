/// Token rows for one forward pass: `batch` rows of `length` tokens each (right-padded or
/// packed). Position ids restart per packed example; sequence ids keep packed examples from
/// attending to each other. Both are per token, row-major like `ids`.
public struct ModelInput: Sendable, Equatable {
    public var ids: [Int]
    public var batch: Int
    public var length: Int
    /// Position of each token inside its example; defaults to 0..<length in every row.
    public var positions: [Int]
    /// Which packed example each token belongs to (any ids; equal = same example). nil means
    /// one example per row, so attention is plainly causal.
    public var sequenceIds: [Int]?

    public init(ids: [Int], batch: Int, length: Int, positions: [Int]? = nil, sequenceIds: [Int]? = nil) {
        precondition(ids.count == batch * length, "ModelInput: \(ids.count) ids for \(batch) x \(length)")
        precondition(positions.map { $0.count == ids.count } ?? true, "ModelInput: positions do not match ids")
        precondition(sequenceIds.map { $0.count == ids.count } ?? true, "ModelInput: sequence ids do not match ids")
        self.ids = ids
        self.batch = batch
        self.length = length
        self.positions = positions ?? (0..<batch).flatMap { _ in 0..<length }
        self.sequenceIds = sequenceIds
    }

    /// One row of ids (inference, generation).
    public init(row: [Int]) { self.init(ids: row, batch: 1, length: row.count) }
}

/// A causal language model: a module tree with HF parameter names whose final hidden states,
/// multiplied by `headWeight`, give next-token logits.
public protocol CausalLM: Module {
    var config: ModelConfig { get }
    /// Final hidden states (after the last norm): [batch, length, hidden]. With a cache
    /// (generation, batch 1), the input's tokens follow the cached ones: their positions must
    /// continue from `cache.length`, and their keys and values are appended to the cache.
    func hiddenStates(_ batch: ModelInput, cache: KVCache?) -> Tensor
    /// The output head [vocab, hidden]; the embedding table itself when the head is tied.
    var headWeight: Tensor { get }
    /// The output head kept in its packed checkpoint format (GGUF blocks) when the model was
    /// loaded keeping quantized weights; generation multiplies it instead of `headWeight`,
    /// reading a quarter of the bytes or less per token. nil: use `headWeight`.
    var packedHead: (any PackedWeight)? { get }
}

extension CausalLM {
    public var packedHead: (any PackedWeight)? { nil }

    /// Final hidden states without a cache: [batch, length, hidden].
    public func hiddenStates(_ batch: ModelInput) -> Tensor { hiddenStates(batch, cache: nil) }

    /// Logits for every position: [batch, length, vocab]. Evaluation and parity tests only;
    /// training goes through `loss`, which never needs all of them at once.
    public func logits(_ batch: ModelInput) -> Tensor {
        matmul(hiddenStates(batch), headWeight, transposeB: true)
    }

    /// Summed next-token cross-entropy and the supervised-token count. `labels` are aligned
    /// with the inputs, as in HF (`labels = input_ids` with -100 where unsupervised); the shift
    /// happens here, inside each row, so the last token of a row predicts nothing. The head and
    /// the loss are fused: logits exist one chunk of supervised rows at a time, never all.
    public func loss(_ batch: ModelInput, labels: [Int]) -> SupervisedLoss {
        precondition(labels.count == batch.ids.count, "loss: \(labels.count) labels for \(batch.ids.count) tokens")
        let hidden = hiddenStates(batch).reshaped([batch.batch * batch.length, config.hiddenSize])
        return linearCrossEntropySum(hidden: hidden, weight: headWeight, labels: nextTokenTargets(labels, length: batch.length))
    }
}

/// HF's label shift: position t of a row is trained to predict labels[t + 1] of the same row;
/// the last position of every row gets the ignore index.
public func nextTokenTargets(_ labels: [Int], length: Int, ignoreIndex: Int = -100) -> [Int] {
    var targets = [Int](repeating: ignoreIndex, count: labels.count)
    for start in stride(from: 0, to: labels.count, by: length) where length > 1 {
        for t in 0..<(length - 1) { targets[start + t] = labels[start + t + 1] }
    }
    return targets
}
