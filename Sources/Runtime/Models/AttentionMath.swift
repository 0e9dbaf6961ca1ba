import Foundation

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
