/// Global-norm gradient clipping as torch's `clip_grad_norm_` (HF's max_grad_norm, default 1.0):
/// every gradient is multiplied by min(1, maxNorm / (norm + 1e-6)), norm being the L2 norm of all
/// gradients together. Returns the norm before clipping (what HF logs as grad_norm).
@discardableResult
public func clipGradientNorm(_ gradients: inout Gradients, maxNorm: Float = 1.0) -> Float {
    let norm = gradients.globalNorm
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 { gradients.scale(by: coefficient) }
    return norm
}
