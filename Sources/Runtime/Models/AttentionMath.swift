import Foundation

/// Which implementation a model runs for attention and rotary embeddings: the fused kernels
/// (the default), or their composed twins built from primitive ops, which tests use as the
/// oracle and which help when debugging a model.
public enum ModelKernels: Sendable, Equatable { case fused, composed }

/// Rotary embeddings for the tokens of one forward pass: the fused kernel, or cos/sin tables
/// and `applyRotary` when composed.
struct Rotation {
    let positions: [Int]
    let inverseFrequencies: [Float]
    let tables: RotaryTables?

    init(positions: [Int], headDim: Int, inverseFrequencies: [Double], kernels: ModelKernels) {
        self.positions = positions
        self.inverseFrequencies = inverseFrequencies.map { Float($0) }
        tables = kernels == .composed ? RotaryTables(positions: positions, headDim: headDim, inverseFrequencies: inverseFrequencies) : nil
    }

    /// x [B, T, H, D] -> rotated, same shape.
    func callAsFunction(_ x: Tensor) -> Tensor {
        if let tables { return applyRotary(x, tables) }
        return fusedRotary(x, positions: positions, inverseFrequencies: inverseFrequencies)
    }
}

/// Causal attention of q [B, T, nHead, hd] over keys and values [B, past + T, nKV, hd]. Fused:
/// the packed causal kernel without cached keys, the decode kernel for one new token during
/// generation; anything else (several new tokens after cached ones) is composed.
func causalAttention(q: Tensor, keys: Tensor, values: Tensor, sequenceIds: [Int]?, past: Int, kernels: ModelKernels) -> Tensor {
    guard kernels == .fused else {
        return composedCausalAttention(q: q, k: keys, v: values, sequenceIds: sequenceIds, past: past)
    }
    if past == 0 { return fusedCausalAttention(q: q, k: keys, v: values, sequenceIds: sequenceIds) }
    let needsGradient = GradMode.enabled && (q.requiresGrad || keys.requiresGrad || values.requiresGrad)
    if q.shape[0] == 1 && q.shape[1] == 1 && !needsGradient { return decodeAttention(q: q, keys: keys, values: values) }
    return composedCausalAttention(q: q, k: keys, v: values, sequenceIds: sequenceIds, past: past)
}

/// Rotary embedding tables for HF's half-rotation layout: cos and sin [N, D] for N token
/// positions, each frequency repeated in both halves (`emb = cat(freqs, freqs)`).
struct RotaryTables {
    let cos: Tensor
    let sin: Tensor

    init(positions: [Int], headDim D: Int, inverseFrequencies: [Double]) {
        var c = [Float](repeating: 0, count: positions.count * D)
        var s = c
        for (n, p) in positions.enumerated() {
            for (i, f) in inverseFrequencies.enumerated() {
                // HF computes the angle in float32; rounding it the same way keeps long
                // positions in step with the reference.
                let angle = Double(Float(Double(p) * f))
                c[n * D + i] = Float(Foundation.cos(angle)); c[n * D + i + D / 2] = c[n * D + i]
                s[n * D + i] = Float(Foundation.sin(angle)); s[n * D + i + D / 2] = s[n * D + i]
            }
        }
        cos = Tensor(c, shape: [positions.count, D])
        sin = Tensor(s, shape: [positions.count, D])
    }
}

/// The inverse frequencies of rotary embeddings, with HF's `linear` and `llama3` scalings.
func ropeInverseFrequencies(headDim D: Int, theta: Double, scaling: RopeScaling?) -> [Double] {
    var inv = (0..<(D / 2)).map { 1 / Foundation.pow(theta, Double(2 * $0) / Double(D)) }
    guard let scaling else { return inv }
    switch scaling.type {
    case "linear":
        inv = inv.map { $0 / scaling.factor }
    case "llama3":
        let low = scaling.lowFreqFactor ?? 1, high = scaling.highFreqFactor ?? 4
        let context = Double(scaling.originalMaxPositionEmbeddings ?? 8192)
        let lowWavelength = context / low, highWavelength = context / high
        inv = inv.map { f in
            let wavelength = 2 * Double.pi / f
            if wavelength < highWavelength { return f }
            if wavelength > lowWavelength { return f / scaling.factor }
            let smooth = (context / wavelength - low) / (high - low)
            return (1 - smooth) * f / scaling.factor + smooth * f
        }
    default:
        preconditionFailure("rope scaling '\(scaling.type)' passed config validation but is not implemented")
    }
    return inv
}

/// x [B, T, H, D] rotated by the tables of its B * T tokens: x * cos + rotate_half(x) * sin,
/// with rotate_half(x) = cat(-x2, x1) over the two halves of D.
func applyRotary(_ x: Tensor, _ tables: RotaryTables) -> Tensor {
    let (B, T, D) = (x.shape[0], x.shape[1], x.shape[3])
    let halves = x.split(lastAxis: [D / 2, D / 2])
    let rotated = concat(lastAxis: [halves[1] * -1, halves[0]])
    let cos = tables.cos.reshaped([B, T, 1, D]), sin = tables.sin.reshaped([B, T, 1, D])
    return x * cos + rotated * sin
}
