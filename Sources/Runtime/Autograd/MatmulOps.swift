/// Matrix products: `matmul` (optionally batched, either operand transposed) and `linear`.

/// op(a) op(b) over the last two axes. a is [..., M, K] ([..., K, M] when `transposeA`); b is
/// [K, N] ([N, K] when `transposeB`), shared by every batch entry, or has a's leading axes.
/// The result is [..., M, N].
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs rank >= 2, got \(a.shape) and \(b.shape)")
    let lead = Array(a.shape.dropLast(2))
    let bShared = b.rank == 2
    precondition(bShared || Array(b.shape.dropLast(2)) == lead, "matmul: batch axes of \(a.shape) and \(b.shape) differ")
    let (a0, a1) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (b0, b1) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (M, K) = transposeA ? (a1, a0) : (a0, a1)
    let (Kb, N) = transposeB ? (b1, b0) : (b0, b1)
    precondition(K == Kb, "matmul: inner sizes differ: \(a.shape)\(transposeA ? "^T" : "") x \(b.shape)\(transposeB ? "^T" : "")")
    let batch = lead.reduce(1, *)
    let out = Tensor.uninitialized(lead + [M, N])
    if bShared && !transposeA {
        // The batch folds into M: one large product instead of many small ones.
        matmulForward(out.pointer, a.pointer, b.pointer, M: batch * M, N: N, K: K, transposeA: false, transposeB: transposeB)
    } else {
        productLoop(out.pointer, a.pointer, b.pointer, batch: batch, M: M, N: N, K: K, transposeA: transposeA,
                    transposeB: transposeB, aShared: false, bShared: bShared, sumBatch: false)
    }
    return Tensor.result(out, .matmul(transposeA: transposeA, transposeB: transposeB, batch: batch, bShared: bShared), [a, b])
}

/// x W^T + bias, torch's Linear: x is [..., in], weight [out, in], bias [out] or nil; result [..., out].
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    precondition(weight.rank == 2 && x.lastDim == weight.shape[1],
                 "linear: input \(x.shape) does not match weight \(weight.shape) ([out, in])")
    let outFeatures = weight.shape[0]
    let out = Tensor.uninitialized(Array(x.shape.dropLast()) + [outFeatures])
    if let bias {
        precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) for weight \(weight.shape)")
        for r in 0..<x.rowCount { (out.pointer + r * outFeatures).update(from: bias.pointer, count: outFeatures) }
    }
    matmulForward(out.pointer, x.pointer, weight.pointer, M: x.rowCount, N: outFeatures, K: x.lastDim,
                  transposeB: true, accumulate: bias != nil)
    return Tensor.result(out, .linear, bias.map { [x, weight, $0] } ?? [x, weight])
}

/// c[i] = op(a[i]) op(b[i]) for i in 0..<batch, with a or b shared (one matrix for all i);
/// `sumBatch` adds all products into one c. Shapes per entry as in `matmulForward`.
func productLoop(_ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                 batch: Int, M: Int, N: Int, K: Int, transposeA: Bool, transposeB: Bool,
                 aShared: Bool, bShared: Bool, sumBatch: Bool) {
    for i in 0..<batch {
        matmulForward(sumBatch ? c : c + i * M * N, aShared ? a : a + i * M * K, bShared ? b : b + i * K * N,
                      M: M, N: N, K: K, transposeA: transposeA, transposeB: transposeB, accumulate: sumBatch && i > 0)
    }
}

/// Gradients of `matmul` for dC [batch..., M, N]: (dA, dB) with a's and b's shapes.
func matmulBackward(_ a: Tensor, _ b: Tensor, _ dC: Tensor, transposeA: Bool, transposeB: Bool,
                    batch: Int, bShared: Bool, needA: Bool, needB: Bool) -> (Tensor?, Tensor?) {
    let M = dC.shape[dC.rank - 2], N = dC.shape[dC.rank - 1]
    let K = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
    var dA: Tensor?, dB: Tensor?
    if needA {
        let g = Tensor.uninitialized(a.shape)
        if transposeA {  // dA_i [K, M] = op(B_i) dC_i^T
            productLoop(g.pointer, b.pointer, dC.pointer, batch: batch, M: K, N: M, K: N, transposeA: transposeB,
                        transposeB: true, aShared: bShared, bShared: false, sumBatch: false)
        } else {         // dA_i [M, K] = dC_i op(B_i)^T
            productLoop(g.pointer, dC.pointer, b.pointer, batch: batch, M: M, N: K, K: N, transposeA: false,
                        transposeB: !transposeB, aShared: false, bShared: bShared, sumBatch: false)
        }
        dA = g
    }
    if needB {
        let g = bShared ? Tensor.zeros(b.shape) : Tensor.uninitialized(b.shape)
        if transposeB {  // dB_i [N, K] = dC_i^T op(A_i)
            productLoop(g.pointer, dC.pointer, a.pointer, batch: batch, M: N, N: K, K: M, transposeA: true,
                        transposeB: transposeA, aShared: false, bShared: false, sumBatch: bShared)
        } else {         // dB_i [K, N] = op(A_i)^T dC_i
            productLoop(g.pointer, a.pointer, dC.pointer, batch: batch, M: K, N: N, K: M, transposeA: !transposeA,
                        transposeB: false, aShared: false, bShared: false, sumBatch: bShared)
        }
        dB = g
    }
    return (dA, dB)
}
