import CBLAS
import Foundation

// Fused output projection + cross-entropy.
//
// Shapes: hidden [N,C], weight [V,C] (the LM head, as HF stores it), labels [N] with -100 for
// tokens that carry no loss, lse [N] (log-sum-exp of each supervised row's logits; 0 for ignored
// rows), dHidden [N,C], dWeight [V,C].
//
// Only supervised rows are gathered, a chunk at a time, into a [rows,C] block; the logits exist
// only as one [rows,V] chunk, so memory is chunkRows*V floats whatever N is, and ignored
// (prompt) tokens cost nothing in the head. Loss per row: lse - logit[label], lse computed with
// the row max subtracted. Gradient of the loss sum w.r.t. the logits: softmax - onehot(label).

/// The ignore index of HF/PyTorch cross-entropy: labels equal to it carry no loss.
public let crossEntropyIgnoreIndex = -100

/// Sum of per-token losses and how many tokens were supervised (label != -100). The mean loss is
/// lossSum / count; with gradient accumulation divide by the count of the whole accumulated batch.
public struct CrossEntropySum: Sendable, Equatable {
    public var lossSum: Double
    public var count: Int

    public init(lossSum: Double, count: Int) {
        self.lossSum = lossSum
        self.count = count
    }
}

/// Rows per logits chunk: about 8M floats (32 MB) of logits (170 rows for a 49152 vocabulary),
/// at least 32 and at most 1024. Bigger chunks amortize the dWeight update, which reads and
/// writes all of [V,C] once per chunk (113 MB for SmolLM2's head: memory bound below ~100 rows).
public func linearCrossEntropyDefaultChunkRows(vocabulary V: Int) -> Int {
    min(1024, max(32, (1 << 23) / max(1, V)))
}

/// Loss only (inference, evaluation, or a forward whose backward runs later).
/// lse [N] is written for `linearCrossEntropyBackward`; hidden [N,C], weight [V,C], labels [N].
public func linearCrossEntropyForward(_ lse: UnsafeMutablePointer<Float>?, hidden: UnsafePointer<Float>,
                                      weight: UnsafePointer<Float>, labels: UnsafePointer<Int>,
                                      N: Int, C: Int, V: Int, chunkRows: Int? = nil) -> CrossEntropySum {
    linearCrossEntropyPass(dHidden: nil, dWeight: nil, lse: lse, cachedLSE: nil, gradScale: 0, hidden: hidden,
                           weight: weight, labels: labels, N: N, C: C, V: V, chunkRows: chunkRows)
}

/// Backward of `linearCrossEntropyForward` given its lse [N]: recomputes each chunk's logits and
/// accumulates dHidden [N,C] += gradScale * G W and dWeight [V,C] += gradScale * G^T hidden, with
/// G = softmax - onehot. gradScale is dL/d(lossSum) (e.g. 1/count for a mean). Pass nil for a
/// gradient that is not needed (a frozen head: dWeight nil).
public func linearCrossEntropyBackward(dHidden: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                                       gradScale: Float, lse: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
                                       weight: UnsafePointer<Float>, labels: UnsafePointer<Int>,
                                       N: Int, C: Int, V: Int, chunkRows: Int? = nil) {
    _ = linearCrossEntropyPass(dHidden: dHidden, dWeight: dWeight, lse: nil, cachedLSE: lse, gradScale: gradScale,
                               hidden: hidden, weight: weight, labels: labels, N: N, C: C, V: V, chunkRows: chunkRows)
}

/// Forward and backward in one pass over the head (one logits product instead of two), for a
/// training step whose normalization is known up front: returns the loss sum and count and
/// accumulates the gradients of gradScale * lossSum into dHidden [N,C] and dWeight [V,C].
public func linearCrossEntropyFused(dHidden: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                                    gradScale: Float, hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    labels: UnsafePointer<Int>, N: Int, C: Int, V: Int,
                                    chunkRows: Int? = nil) -> CrossEntropySum {
    linearCrossEntropyPass(dHidden: dHidden, dWeight: dWeight, lse: nil, cachedLSE: nil, gradScale: gradScale,
                           hidden: hidden, weight: weight, labels: labels, N: N, C: C, V: V, chunkRows: chunkRows)
}

/// The one loop behind the three entry points. With cachedLSE the loss is not recomputed.
private func linearCrossEntropyPass(dHidden: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                                    lse: UnsafeMutablePointer<Float>?, cachedLSE: UnsafePointer<Float>?,
                                    gradScale: Float, hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    labels: UnsafePointer<Int>, N: Int, C: Int, V: Int,
                                    chunkRows: Int?) -> CrossEntropySum {
    precondition(N >= 0 && C > 0 && V > 0, "linearCrossEntropy: need N >= 0, C > 0, V > 0; got N \(N) C \(C) V \(V)")
    var supervised: [Int] = []
    for i in 0..<N where labels[i] != crossEntropyIgnoreIndex {
        precondition(labels[i] >= 0 && labels[i] < V,
                     "linearCrossEntropy: label \(labels[i]) at row \(i) outside 0..<\(V) (and not -100)")
        supervised.append(i)
    }
    if let lse { lse.update(repeating: 0, count: N) }
    let chunk = max(1, chunkRows ?? linearCrossEntropyDefaultChunkRows(vocabulary: V))
    let wantsGradient = dHidden != nil || dWeight != nil
    let rowsH = UnsafeMutablePointer<Float>.allocate(capacity: chunk * C)
    let logits = UnsafeMutablePointer<Float>.allocate(capacity: chunk * V)
    let rowLoss = UnsafeMutablePointer<Double>.allocate(capacity: chunk)
    defer { rowsH.deallocate(); logits.deallocate(); rowLoss.deallocate() }
    var lossSum = 0.0
    for start in stride(from: 0, to: supervised.count, by: chunk) {
        let rows = supervised[start..<min(supervised.count, start + chunk)]
        let n = rows.count
        for (r, i) in rows.enumerated() { (rowsH + r * C).update(from: hidden + i * C, count: C) }
        // logits [n,V] = rowsH [n,C] x weight^T
        ThreadPolicy.prepareBLAS(m: n, n: V, k: C)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(V), Int32(C), 1, rowsH, Int32(C),
                    weight, Int32(C), 0, logits, Int32(V))
        rows.withUnsafeBufferPointer { rowIndices in
            ThreadPolicy.parallelFor(n) { range in
                for r in range {
                    let i = rowIndices[r], row = logits + r * V, label = labels[i]
                    let labelLogit = row[label]
                    let rowLSE: Float
                    if let cachedLSE {
                        rowLSE = cachedLSE[i]
                        if wantsGradient { vectorExpShifted(row, V, shift: rowLSE, multiplier: gradScale) }
                    } else {
                        let m = vectorMax(row, V)
                        if wantsGradient {  // one exp per logit: keep exp(logit - m), then normalize
                            let sum = vectorExpShifted(row, V, shift: m)
                            rowLSE = m + log(sum)
                            vectorScale(row, V, gradScale / sum)
                        } else {
                            rowLSE = m + log(vectorSumExpShifted(row, V, shift: m))
                        }
                        lse?[i] = rowLSE
                    }
                    rowLoss[r] = Double(rowLSE) - Double(labelLogit)
                    if wantsGradient { row[label] -= gradScale }
                }
            }
        }
        for r in 0..<n { lossSum += rowLoss[r] }
        guard wantsGradient else { continue }
        if let dWeight {
            // dWeight [V,C] += G^T [V,n] x rowsH [n,C]
            ThreadPolicy.prepareBLAS(m: V, n: C, k: n)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(V), Int32(C), Int32(n), 1, logits, Int32(V),
                        rowsH, Int32(C), 1, dWeight, Int32(C))
        }
        if let dHidden {
            // dRows [n,C] = G [n,V] x weight [V,C] into rowsH (dWeight has read it), then scattered.
            ThreadPolicy.prepareBLAS(m: n, n: C, k: V)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(C), Int32(V), 1, logits, Int32(V),
                        weight, Int32(C), 0, rowsH, Int32(C))
            for (r, i) in rows.enumerated() { vectorAxpy(dHidden + i * C, 1, rowsH + r * C, C) }
        }
    }
    return CrossEntropySum(lossSum: lossSum, count: supervised.count)
}
