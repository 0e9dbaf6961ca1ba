import Foundation

/// Plain-loop twin of `attentionForward`, generic so tests run it in Double (inlinable so it is
/// specialized where it is called, not run through generic witnesses). Same shapes:
/// q [B,T,nHead,headDim], k, v [B,T,nKV,headDim], sequenceIds [B,T] or nil;
/// returns out [B,T,nHead,headDim] and lse [B,nHead,T].
@inlinable
public func attentionReferenceForward<F: BinaryFloatingPoint>(
    q: [F], k: [F], v: [F], sequenceIds: [Int]?, B: Int, T: Int, nHead: Int, nKV: Int, headDim: Int
) -> (out: [F], lse: [F]) {
    var out = [F](repeating: 0, count: B * T * nHead * headDim)
    var lse = [F](repeating: 0, count: B * nHead * T)
    let scale = 1 / F(Double(headDim).squareRoot())
    for b in 0..<B { for h in 0..<nHead { for t in 0..<T {
        let p = referenceProbabilities(q: q, k: k, sequenceIds: sequenceIds, b: b, h: h, t: t, T: T, nHead: nHead,
                                       nKV: nKV, headDim: headDim, scale: scale)
        lse[(b * nHead + h) * T + t] = p.lse
        for j in 0...t where p.weights[j] != 0 {
            for d in 0..<headDim {
                out[((b * T + t) * nHead + h) * headDim + d] += p.weights[j] * v[((b * T + j) * nKV + h / (nHead / nKV)) * headDim + d]
            }
        }
    } } }
    return (out, lse)
}

/// Plain-loop twin of `attentionBackward`: returns (dq, dk, dv) for upstream gradient dOut
/// [B,T,nHead,headDim]. Recomputes the probabilities; writes fresh arrays (no accumulation).
@inlinable
public func attentionReferenceBackward<F: BinaryFloatingPoint>(
    dOut: [F], q: [F], k: [F], v: [F], sequenceIds: [Int]?, B: Int, T: Int, nHead: Int, nKV: Int, headDim: Int
) -> (dq: [F], dk: [F], dv: [F]) {
    var dq = [F](repeating: 0, count: q.count), dk = [F](repeating: 0, count: k.count), dv = [F](repeating: 0, count: v.count)
    let scale = 1 / F(Double(headDim).squareRoot())
    let group = nHead / nKV
    for b in 0..<B { for h in 0..<nHead { for t in 0..<T {
        let p = referenceProbabilities(q: q, k: k, sequenceIds: sequenceIds, b: b, h: h, t: t, T: T, nHead: nHead,
                                       nKV: nKV, headDim: headDim, scale: scale).weights
        let qi = ((b * T + t) * nHead + h) * headDim
        // dP_j = dOut_t . v_j ; dS_j = P_j (dP_j - sum_k P_k dP_k)
        var dP = [F](repeating: 0, count: t + 1)
        for j in 0...t {
            let vj = ((b * T + j) * nKV + h / group) * headDim
            for d in 0..<headDim {
                dP[j] += dOut[qi + d] * v[vj + d]
                dv[vj + d] += p[j] * dOut[qi + d]
            }
        }
        var rowDot: F = 0
        for j in 0...t { rowDot += p[j] * dP[j] }
        for j in 0...t {
            let dS = p[j] * (dP[j] - rowDot) * scale
            let kj = ((b * T + j) * nKV + h / group) * headDim
            for d in 0..<headDim {
                dq[qi + d] += dS * k[kj + d]
                dk[kj + d] += dS * q[qi + d]
            }
        }
    } } }
    return (dq, dk, dv)
}

/// Softmax weights [t+1] of query (b, h, t) over keys 0...t (masked ones 0) and their log-sum-exp.
@inlinable
func referenceProbabilities<F: BinaryFloatingPoint>(
    q: [F], k: [F], sequenceIds: [Int]?, b: Int, h: Int, t: Int, T: Int, nHead: Int, nKV: Int, headDim: Int, scale: F
) -> (weights: [F], lse: F) {
    var scores = [F?](repeating: nil, count: t + 1)
    for j in 0...t {
        if let ids = sequenceIds, ids[b * T + j] != ids[b * T + t] { continue }
        var s: F = 0
        for d in 0..<headDim {
            s += q[((b * T + t) * nHead + h) * headDim + d] * k[((b * T + j) * nKV + h / (nHead / nKV)) * headDim + d]
        }
        scores[j] = s * scale
    }
    let m = scores.compactMap { $0 }.max()!
    let exps = scores.map { $0.map { F(Foundation.exp(Double($0 - m))) } ?? 0 }
    let sum = exps.reduce(0, +)
    return (exps.map { $0 / sum }, m + F(Foundation.log(Double(sum))))
}
