/// A loss summed over supervised tokens (label != -100), and how many there were. The trainer
/// adds these over the micro-batches of an accumulated batch and divides by the total count.
public struct SupervisedLoss: Sendable {
    /// Scalar tensor: sum of -log p(label) over tokens whose label is not `ignoreIndex`.
    public let sum: Tensor
    /// Number of supervised tokens.
    public let count: Int
}

/// Cross-entropy of logits [..., V] against `labels` (one per row; `ignoreIndex` (-100) skips a
/// row), returned as a sum and a supervised-token count.
public func crossEntropySum(logits: Tensor, labels: [Int]) -> SupervisedLoss {
    let V = logits.lastDim, N = logits.rowCount
    precondition(labels.count == N, "crossEntropy: \(labels.count) labels for logits \(logits.shape) (\(N) rows)")
    var lse = [Float](repeating: 0, count: N)
    let (sum, count) = labels.withUnsafeBufferPointer {
        crossEntropyForward(&lse, logits.pointer, $0.baseAddress!, N: N, V: V)
    }
    let loss = Tensor.result(Tensor(scalar: sum), .crossEntropy(labels: labels, lse: lse), [logits])
    return SupervisedLoss(sum: loss, count: count)
}

/// Mean cross-entropy over supervised tokens (sum / count; 0 when no token is supervised).
public func crossEntropy(logits: Tensor, labels: [Int]) -> Tensor {
    let r = crossEntropySum(logits: logits, labels: labels)
    return r.sum * (1 / Float(max(r.count, 1)))
}
