import Foundation

/// Plain-loop twin of the fused linear cross-entropy, generic so tests run it in Double.
/// hidden [N,C], weight [V,C], labels [N] (-100 ignored). Builds every logit row in full.
/// Returns the loss sum, the supervised count, and the gradients of gradScale * lossSum:
/// dHidden [N,C], dWeight [V,C].
@inlinable
public func linearCrossEntropyReference<F: BinaryFloatingPoint>(
    hidden: [F], weight: [F], labels: [Int], N: Int, C: Int, V: Int, gradScale: F = 1
) -> (lossSum: F, count: Int, dHidden: [F], dWeight: [F]) {
    precondition(hidden.count == N * C && weight.count == V * C && labels.count == N,
                 "linearCrossEntropyReference: hidden \(hidden.count) weight \(weight.count) labels \(labels.count) for N \(N) C \(C) V \(V)")
    var dHidden = [F](repeating: 0, count: N * C), dWeight = [F](repeating: 0, count: V * C)
    var lossSum: F = 0
    var count = 0
    for i in 0..<N where labels[i] != crossEntropyIgnoreIndex {
        let label = labels[i]
        count += 1
        var logits = [F](repeating: 0, count: V)
        for o in 0..<V { for c in 0..<C { logits[o] += hidden[i * C + c] * weight[o * C + c] } }
        let m = logits.max()!
        let sum = logits.reduce(F(0)) { $0 + F(Foundation.exp(Double($1 - m))) }
        let lse = m + F(Foundation.log(Double(sum)))
        lossSum += lse - logits[label]
        for o in 0..<V {
            let g = gradScale * (F(Foundation.exp(Double(logits[o] - lse))) - (o == label ? 1 : 0))
            for c in 0..<C {
                dHidden[i * C + c] += g * weight[o * C + c]
                dWeight[o * C + c] += g * hidden[i * C + c]
            }
        }
    }
    return (lossSum, count, dHidden, dWeight)
}
