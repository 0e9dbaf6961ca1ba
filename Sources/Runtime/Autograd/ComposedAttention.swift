/// Causal self-attention composed from differentiable primitives (permute, matmul, an additive
/// mask, softmax), with grouped-query heads, an optional block-diagonal mask for packed
/// batches, and cached keys for generation. Its gradient comes from the primitives' rules,
/// which makes it the obviously correct slow twin of the fused attention kernel
/// (Kernels/Attention.swift).
///
/// q is [B, T, nHead, hd]; k and v are [B, past + T, nKV, hd] with nHead a multiple of nKV (query
/// head h reads key/value head h / (nHead / nKV), as transformers' `repeat_kv`). Query heads are
/// grouped by the key/value head they share, so the products run per KV head over
/// [group * T] query rows and keys are never copied per head. `sequenceIds` (B * T values,
/// row-major) lets a token attend only to earlier tokens with the same id; `past` cached tokens
/// (generation, no sequence ids) precede the T new ones. Scores are scaled by `scale`
/// (default 1 / sqrt(hd)). Returns [B, T, nHead, hd].
public func composedCausalAttention(q: Tensor, k: Tensor, v: Tensor, sequenceIds: [Int]? = nil, past: Int = 0,
                                    scale: Float? = nil) -> Tensor {
    precondition(q.rank == 4 && k.rank == 4 && k.shape == v.shape, "attention: q \(q.shape), k \(k.shape), v \(v.shape) must be [B, T, heads, hd]")
    let (B, T, nHead, hd) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
    let nKV = k.shape[2]
    precondition(k.shape[0] == B && k.shape[1] == past + T && k.shape[3] == hd && nKV > 0 && nHead % nKV == 0,
                 "attention: k/v \(k.shape) do not match q \(q.shape) after \(past) cached tokens (heads must divide)")
    precondition(sequenceIds == nil || sequenceIds!.count == B * T, "attention: \(sequenceIds!.count) sequence ids for B*T = \(B * T)")
    precondition(past == 0 || sequenceIds == nil, "attention: packed sequences with cached keys")
    let group = nHead / nKV
    let queries = q.permuted([0, 2, 1, 3]).reshaped([B, nKV, group * T, hd])
    let scores = matmul(queries, k.permuted([0, 2, 1, 3]), transposeB: true) * (scale ?? 1 / Float(hd).squareRoot())
    let mask = attentionMask(B: B, T: T, past: past, group: group, sequenceIds: sequenceIds)
    let out = matmul((scores + mask).softmax(), v.permuted([0, 2, 1, 3]))  // [B, nKV, group * T, hd]
    return out.reshaped([B, nHead, T, hd]).permuted([0, 2, 1, 3])
}

/// Additive mask over the [group * T] query rows (row r is the query at position past + r % T)
/// and the past + T keys: 0 where the query may see the key (not later, same sequence id), a
/// large negative number elsewhere. [group * T, past + T] without sequence ids, else
/// [B, 1, group * T, T].
private func attentionMask(B: Int, T: Int, past: Int, group: Int, sequenceIds: [Int]?) -> Tensor {
    let keys = past + T, rows = group * T, blocked: Float = -1e30
    guard let ids = sequenceIds else {
        let mask = Tensor.zeros([rows, keys])
        for r in 0..<rows { for j in (past + r % T + 1)..<max(keys, past + r % T + 1) { mask.pointer[r * keys + j] = blocked } }
        return mask
    }
    let mask = Tensor.full(blocked, [B, 1, rows, T])
    for b in 0..<B {
        for r in 0..<rows {
            let i = r % T
            for j in 0...i where ids[b * T + j] == ids[b * T + i] { mask.pointer[(b * rows + r) * T + j] = 0 }
        }
    }
    return mask
}
