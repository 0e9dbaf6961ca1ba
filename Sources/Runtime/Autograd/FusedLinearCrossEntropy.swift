/// Output projection + cross-entropy without the full logits (Kernels/LinearCrossEntropy.swift):
/// hidden [N, C] times weight [V, C] (the LM head as HF stores it) against `labels` (N, -100 =
/// ignored), summed over supervised rows. Logits exist only one chunk of rows at a time, in the
/// forward and again in the backward, and ignored rows cost nothing. The slow twin is
/// `crossEntropySum(logits: matmul(hidden, weight, transposeB: true), labels:)`.
public func linearCrossEntropySum(hidden: Tensor, weight: Tensor, labels: [Int]) -> SupervisedLoss {
    precondition(hidden.rank == 2 && weight.rank == 2 && hidden.shape[1] == weight.shape[1] && labels.count == hidden.shape[0],
                 "linearCrossEntropySum: hidden \(hidden.shape) must be [N, C], weight \(weight.shape) [V, C], \(labels.count) labels for N")
    let (N, C, V) = (hidden.shape[0], hidden.shape[1], weight.shape[0])
    precondition(labels.allSatisfy { $0 == Int(crossEntropyIgnoreIndex) || (0..<V).contains($0) },
                 "linearCrossEntropySum: a label outside 0..<\(V) (and not -100)")
    let targets = labels
    var lse = [Float](repeating: 0, count: N)
    let result = linearCrossEntropyForward(&lse, hidden: hidden.pointer, weight: weight.pointer, labels: targets, N: N, C: C, V: V)
    let sum = Tensor.result(Tensor(scalar: Float(result.lossSum)), .custom(CustomBackward(name: "linearCrossEntropy") { [lse] g, inputs, _ in
        let (hidden, weight) = (inputs[0], inputs[1])
        let dHidden = hidden.requiresGrad ? Tensor.zeros(hidden.shape) : nil
        let dWeight = weight.requiresGrad ? Tensor.zeros(weight.shape) : nil
        linearCrossEntropyBackward(dHidden: dHidden?.pointer, dWeight: dWeight?.pointer, gradScale: g.item, lse: lse,
                                   hidden: hidden.pointer, weight: weight.pointer, labels: targets, N: N, C: C, V: V)
        return [dHidden, dWeight]
    }), [hidden, weight])
    return SupervisedLoss(sum: sum, count: result.count)
}
