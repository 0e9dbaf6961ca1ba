/// Output projection + cross-entropy without the full logits (Kernels/LinearCrossEntropy.swift):
/// hidden [N, C] times weight [V, C] (the LM head as HF stores it) against `labels` (N, -100 =
/// ignored), summed over supervised rows. Logits exist only one chunk of rows at a time and
/// ignored rows cost nothing. When the result will be differentiated, the forward also computes
/// the gradients of the loss sum (one logits product serves both, as Liger's fused kernel does)
/// and the backward only scales them; without gradients it computes the loss alone. The slow
/// twin is `crossEntropySum(logits: matmul(hidden, weight, transposeB: true), labels:)`.
public func linearCrossEntropySum(hidden: Tensor, weight: Tensor, labels: [Int]) -> SupervisedLoss {
    precondition(hidden.rank == 2 && weight.rank == 2 && hidden.shape[1] == weight.shape[1] && labels.count == hidden.shape[0],
                 "linearCrossEntropySum: hidden \(hidden.shape) must be [N, C], weight \(weight.shape) [V, C], \(labels.count) labels for N")
    let (N, C, V) = (hidden.shape[0], hidden.shape[1], weight.shape[0])
    precondition(labels.allSatisfy { $0 == Int(crossEntropyIgnoreIndex) || (0..<V).contains($0) },
                 "linearCrossEntropySum: a label outside 0..<\(V) (and not -100)")
    guard GradMode.enabled && (hidden.requiresGrad || weight.requiresGrad) else {
        let result = linearCrossEntropyForward(nil, hidden: hidden.pointer, weight: weight.pointer, labels: labels, N: N, C: C, V: V)
        return SupervisedLoss(sum: Tensor(scalar: Float(result.lossSum)), count: result.count)
    }
    // Gradients of the unscaled loss sum; the backward multiplies them by dL/d(sum).
    let dHidden = hidden.requiresGrad ? Tensor.zeros(hidden.shape) : nil
    let dWeight = weight.requiresGrad ? Tensor.zeros(weight.shape) : nil
    let result = linearCrossEntropyFused(dHidden: dHidden?.pointer, dWeight: dWeight?.pointer, gradScale: 1,
                                         hidden: hidden.pointer, weight: weight.pointer, labels: labels, N: N, C: C, V: V)
    let sum = Tensor.result(Tensor(scalar: Float(result.lossSum)), .custom(CustomBackward(name: "linearCrossEntropy") { g, _, _ in
        let scale = g.item
        return [dHidden.map { scale == 1 ? $0 : $0 * scale }, dWeight.map { scale == 1 ? $0 : $0 * scale }]
    }), [hidden, weight])
    return SupervisedLoss(sum: sum, count: result.count)
}
