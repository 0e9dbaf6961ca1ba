import Foundation

/// Causal grouped-query attention composed from differentiable ops (matmul, softmax, masks).
///
/// q is [B, T, H, D], k and v are [B, T, KV, D] with H a multiple of KV; the result is
/// [B, T, H * D]. Query heads are grouped by the key/value head they share, so the products
/// run per KV head over [rep * T] query rows without copying keys. `sequenceIds` ([B * T])
/// restrict attention to earlier tokens of the same packed example. With a KV cache, k and v
/// hold `past` earlier tokens before the T new ones ([B, past + T, KV, D]).
func composedCausalAttention(q: Tensor, k: Tensor, v: Tensor, sequenceIds: [Int]?, past: Int = 0) -> Tensor {
    let (B, T, H, D) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
    let KV = k.shape[2]
    precondition(H % KV == 0 && k.shape == [B, past + T, KV, D] && v.shape == k.shape,
                 "attention: q \(q.shape), k \(k.shape), v \(v.shape), past \(past)")
    precondition(past == 0 || sequenceIds == nil, "attention: packed sequences with a KV cache")
    let rep = H / KV
    let queries = q.permuted([0, 2, 1, 3]).reshaped([B, KV, rep * T, D])
    let keys = k.permuted([0, 2, 1, 3])
    let values = v.permuted([0, 2, 1, 3])
    let scores = matmul(queries, keys, transposeB: true) * (1 / Float(D).squareRoot())   // [B, KV, rep*T, T]
    let mask = past > 0 ? cachedAttentionMask(length: T, past: past, repeats: rep)
        : attentionMask(batch: B, length: T, repeats: rep, sequenceIds: sequenceIds)
    let probs = (scores + mask).softmax()
    let out = matmul(probs, values)                                                          // [B, KV, rep*T, D]
    return out.reshaped([B, H, T, D]).permuted([0, 2, 1, 3]).reshaped([B, T, H * D])
}

/// Additive mask: 0 where query row r (position r % T) may see key j, a large negative number
/// elsewhere. [rep * T, T] when every row is one example, [B, 1, rep * T, T] with sequence ids.
func attentionMask(batch B: Int, length T: Int, repeats rep: Int, sequenceIds: [Int]?) -> Tensor {
    let blocked: Float = -1e30
    guard let ids = sequenceIds else {
        var m = [Float](repeating: 0, count: rep * T * T)
        for r in 0..<(rep * T) { for j in (r % T + 1)..<T { m[r * T + j] = blocked } }
        return Tensor(m, shape: [rep * T, T])
    }
    var m = [Float](repeating: blocked, count: B * rep * T * T)
    for b in 0..<B {
        for r in 0..<(rep * T) {
            let i = r % T
            for j in 0...i where ids[b * T + j] == ids[b * T + i] { m[(b * rep * T + r) * T + j] = 0 }
        }
    }
    return Tensor(m, shape: [B, 1, rep * T, T])
}

/// Mask of T new queries (absolute positions past..<past+T) over past + T keys: [rep * T, past + T].
func cachedAttentionMask(length T: Int, past: Int, repeats rep: Int) -> Tensor {
    let keys = past + T
    var m = [Float](repeating: 0, count: rep * T * keys)
    for r in 0..<(rep * T) { for j in (past + r % T + 1)..<keys { m[r * keys + j] = -1e30 } }
    return Tensor(m, shape: [rep * T, keys])
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
