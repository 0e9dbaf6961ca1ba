import Foundation

// Cross-entropy over logits with an ignore index. Returns the SUM over supervised tokens and
// their count: the trainer divides by the count of a whole accumulated batch, not per micro-batch.

/// The label value that marks a token as unsupervised (PyTorch's and HF's -100).
public let ignoreIndex = -100

/// logits (N, V), labels (N); lse (N) receives log-sum-exp of each supervised row (0 for ignored).
/// Returns (sum of -log softmax(logits)[label], number of supervised rows).
public func crossEntropyForward(_ lse: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>, _ labels: UnsafePointer<Int>,
                                N: Int, V: Int) -> (sum: Float, count: Int) {
    var total: Double = 0
    var count = 0
    for n in 0..<N {
        let label = labels[n]
        if label == ignoreIndex { lse[n] = 0; continue }
        precondition(label >= 0 && label < V, "crossEntropy: label \(label) at row \(n) is outside 0..<\(V) (and not \(ignoreIndex))")
        let row = logits + n * V
        let l = logSumExp(row, V)
        lse[n] = l
        total += Double(l - row[label])
        count += 1
    }
    return (Float(total), count)
}

/// dlogits (N, V) += dloss * (softmax(logits) - onehot(label)) for supervised rows.
public func crossEntropyBackward(_ dlogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>, _ lse: UnsafePointer<Float>,
                                 _ labels: UnsafePointer<Int>, dloss: Float, N: Int, V: Int) {
    for n in 0..<N {
        let label = labels[n]
        if label == ignoreIndex { continue }
        let row = logits + n * V, d = dlogits + n * V, l = SIMD8<Float>(repeating: lse[n])
        mapSIMD8(d, d, row, row, V) { d, x, _ in d + dloss * simdExp(x - l) }
        d[label] -= dloss
    }
}
