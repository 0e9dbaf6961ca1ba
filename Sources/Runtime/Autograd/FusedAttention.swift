/// Causal grouped-query attention through the fused kernel pair (Kernels/Attention.swift), as
/// one differentiable op. Same contract as `composedCausalAttention` without cached keys, which
/// stays as its slow twin (tests hold them equal, values and gradients):
/// q [B, T, nHead, hd], k and v [B, T, nKV, hd], nHead a multiple of nKV, optional
/// `sequenceIds` (B * T, row-major) for packed rows. Returns [B, T, nHead, hd]; the softmax
/// scale is 1 / sqrt(hd). Only the log-sum-exp [B, nHead, T] is kept for the backward.
public func fusedCausalAttention(q: Tensor, k: Tensor, v: Tensor, sequenceIds: [Int]? = nil) -> Tensor {
    precondition(q.rank == 4 && k.rank == 4 && k.shape == v.shape, "fusedCausalAttention: q \(q.shape), k \(k.shape), v \(v.shape) must be [B, T, heads, hd]")
    let (B, T, nHead, hd) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
    let nKV = k.shape[2]
    precondition(k.shape[0] == B && k.shape[1] == T && k.shape[3] == hd && nKV > 0 && nHead % nKV == 0,
                 "fusedCausalAttention: k/v \(k.shape) do not match q \(q.shape)")
    precondition(sequenceIds == nil || sequenceIds!.count == B * T, "fusedCausalAttention: \(sequenceIds!.count) sequence ids for B*T = \(B * T)")
    let ids = sequenceIds
    let out = Tensor.uninitialized(q.shape)
    var lse = [Float](repeating: 0, count: B * nHead * T)
    withOptionalPointer(ids) { idp in
        attentionForward(out.pointer, &lse, q.pointer, k.pointer, v.pointer, sequenceIds: idp,
                         B: B, T: T, nHead: nHead, nKV: nKV, headDim: hd)
    }
    return Tensor.result(out, .custom(CustomBackward(name: "fusedCausalAttention") { [lse] g, inputs, _ in
        let (q, k, v) = (inputs[0], inputs[1], inputs[2])
        let dq = Tensor.zeros(q.shape), dk = Tensor.zeros(k.shape), dv = Tensor.zeros(v.shape)
        withOptionalPointer(ids) { idp in
            attentionBackward(dq.pointer, dk.pointer, dv.pointer, g.pointer, q.pointer, k.pointer, v.pointer, lse,
                              sequenceIds: idp, B: B, T: T, nHead: nHead, nKV: nKV, headDim: hd)
        }
        return [q.requiresGrad ? dq : nil, k.requiresGrad ? dk : nil, v.requiresGrad ? dv : nil]
    }), [q, k, v])
}

/// Attention of T = 1 new query per row against cached keys and values (generation; no
/// gradient). q [1, 1, nHead, hd]; keys and values [1, length, nKV, hd] with the new token's
/// own key and value last. Returns [1, 1, nHead, hd].
public func decodeAttention(q: Tensor, keys: Tensor, values: Tensor) -> Tensor {
    precondition(q.rank == 4 && q.shape[0] == 1 && q.shape[1] == 1 && keys.rank == 4 && keys.shape == values.shape
                 && keys.shape[0] == 1 && keys.shape[3] == q.shape[3] && q.shape[2] % keys.shape[2] == 0,
                 "decodeAttention: q \(q.shape) must be [1, 1, nHead, hd], keys \(keys.shape) and values \(values.shape) [1, length, nKV, hd]")
    let out = Tensor.uninitialized(q.shape)
    let length = keys.shape[1]
    attentionDecode(out.pointer, q.pointer, kCache: keys.pointer, vCache: values.pointer, B: 1, length: length,
                    capacity: length, nHead: q.shape[2], nKV: keys.shape[2], headDim: q.shape[3])
    return out
}

/// Calls `body` with a pointer to `values`, or nil when there are none.
func withOptionalPointer<R>(_ values: [Int]?, _ body: (UnsafePointer<Int>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
