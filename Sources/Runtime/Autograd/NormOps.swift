/// LayerNorm and RMSNorm over the last axis, and the embedding lookup.

/// LayerNorm: (x - mean) / sqrt(var + eps) * weight + bias over the last axis of x [..., C];
/// weight and bias are [C] or nil.
public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    let C = x.lastDim
    for p in [weight, bias].compactMap({ $0 }) { precondition(p.shape == [C], "layerNorm: parameter \(p.shape) for input \(x.shape)") }
    let out = Tensor.uninitialized(x.shape)
    var mean = [Float](repeating: 0, count: x.rowCount), rstd = mean
    layerNormForward(out.pointer, &mean, &rstd, x.pointer, weight.map { UnsafePointer($0.pointer) },
                     bias.map { UnsafePointer($0.pointer) }, rows: x.rowCount, C: C, eps: eps)
    let inputs = [x] + [weight, bias].compactMap { $0 }
    return Tensor.result(out, .layerNorm(mean: mean, rstd: rstd, hasWeight: weight != nil, hasBias: bias != nil), inputs)
}

/// RMSNorm: x / sqrt(mean(x^2) + eps) * weight over the last axis of x [..., C]; weight [C] or nil.
/// (Gemma's `1 + weight` form is `rmsNorm(x, weight: w + 1)`.)
public func rmsNorm(_ x: Tensor, weight: Tensor?, eps: Float = 1e-6) -> Tensor {
    let C = x.lastDim
    if let weight { precondition(weight.shape == [C], "rmsNorm: weight \(weight.shape) for input \(x.shape)") }
    let out = Tensor.uninitialized(x.shape)
    var rstd = [Float](repeating: 0, count: x.rowCount)
    rmsNormForward(out.pointer, &rstd, x.pointer, weight.map { UnsafePointer($0.pointer) }, rows: x.rowCount, C: C, eps: eps)
    return Tensor.result(out, .rmsNorm(rstd: rstd, hasWeight: weight != nil), weight.map { [x, $0] } ?? [x])
}

/// Rows `ids` of `table` [V, C]: result [ids.count, C] (reshape for [B, T, C]).
public func embedding(_ ids: [Int], table: Tensor) -> Tensor {
    precondition(table.rank == 2, "embedding: table must be [V, C], got \(table.shape)")
    let C = table.shape[1]
    let out = Tensor.uninitialized([ids.count, C])
    ids.withUnsafeBufferPointer { embeddingForward(out.pointer, $0.baseAddress!, table.pointer, N: ids.count, V: table.shape[0], C: C) }
    return Tensor.result(out, .embedding(ids: ids), [table])
}
