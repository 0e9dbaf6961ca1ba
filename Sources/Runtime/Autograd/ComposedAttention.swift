/// Causal self-attention composed from differentiable primitives (permute, matmul, a broadcast
/// additive mask, softmax), with grouped-query heads and an optional block-diagonal mask for
/// packed batches. Its gradient comes from the primitives' rules, which makes it the obviously
/// correct slow twin of the fused attention kernel (Kernels/Attention.swift), and what models can
/// call until that kernel is wrapped as an op.
///
/// q is [B, T, nHead, hd]; k and v are [B, T, nKV, hd] with nHead a multiple of nKV (query head h
/// reads key/value head h / (nHead / nKV), as transformers' `repeat_kv`); `sequenceIds` (B * T
/// values, row-major) lets a token attend only to earlier tokens with the same id. Scores are
/// scaled by `scale` (default 1 / sqrt(hd)). Returns [B, T, nHead, hd].
public func composedCausalAttention(q: Tensor, k: Tensor, v: Tensor, sequenceIds: [Int]? = nil, scale: Float? = nil) -> Tensor {
    precondition(q.rank == 4 && k.rank == 4 && k.shape == v.shape, "attention: q \(q.shape), k \(k.shape), v \(v.shape) must be [B, T, heads, hd]")
    let (B, T, nHead, hd) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
    let nKV = k.shape[2]
    precondition(k.shape[0] == B && k.shape[1] == T && k.shape[3] == hd && nKV > 0 && nHead % nKV == 0,
                 "attention: k/v \(k.shape) do not match q \(q.shape) (heads must divide)")
    precondition(sequenceIds == nil || sequenceIds!.count == B * T, "attention: \(sequenceIds!.count) sequence ids for B*T = \(B * T)")
    let qh = q.permuted([0, 2, 1, 3])  // [B, nHead, T, hd]
    func heads(_ x: Tensor) -> Tensor {  // [B, T, nKV, hd] -> [B, nHead, T, hd]
        let xh = x.permuted([0, 2, 1, 3])
        if nKV == nHead { return xh }
        let group = nHead / nKV
        return (xh.reshaped([B, nKV, 1, T, hd]) * Tensor.ones([1, 1, group, 1, 1])).reshaped([B, nHead, T, hd])
    }
    let scores = matmul(qh, heads(k), transposeB: true) * (scale ?? 1 / Float(hd).squareRoot())  // [B, nHead, T, T]
    let probs = (scores + attentionMask(B: B, T: T, sequenceIds: sequenceIds)).softmax()
    return matmul(probs, heads(v)).permuted([0, 2, 1, 3])
}

/// Additive mask: 0 where query i may see key j (j <= i, same sequence id), -inf elsewhere.
/// [T, T] without sequence ids, [B, 1, T, T] with them.
private func attentionMask(B: Int, T: Int, sequenceIds: [Int]?) -> Tensor {
    let blocks = sequenceIds == nil ? 1 : B
    let mask = Tensor.zeros(sequenceIds == nil ? [T, T] : [B, 1, T, T])
    for b in 0..<blocks {
        for i in 0..<T {
            for j in 0..<T where j > i || (sequenceIds.map { $0[b * T + i] != $0[b * T + j] } ?? false) {
                mask.pointer[(b * T + i) * T + j] = -.infinity
            }
        }
    }
    return mask
}
