import CBLAS
import Foundation

// Causal self-attention with grouped-query heads and an optional packed-batch mask.
//
// Shapes: q is [B,T,nHead,headDim]; k and v are [B,T,nKV,headDim] with nHead a multiple of nKV
// (query head h reads key/value head h / (nHead/nKV)); out is [B,T,nHead,headDim]; lse, the
// log-sum-exp of each query row's scaled scores, is [B,nHead,T]; sequenceIds, when given, is
// [B,T] and token t attends to token j only if j <= t and sequenceIds[j] == sequenceIds[t].
//
// Each (batch, head) is handled in blocks of `attentionRowBlock` query rows. A block's scores
// are one BLAS product against only the keys it may see (from the first key of its earliest
// sequence up to its last row), so the causal upper triangle and, in packed batches, keys of
// earlier sequences are never computed. The backward recomputes the probabilities from lse
// (as FlashAttention does) instead of keeping [B,nHead,T,T] alive between the passes.

let attentionRowBlock = 64

/// For each token, the first position of its batch row with the same sequence id: [B*T].
/// Without ids every token's sequence starts at 0.
private func firstSameSequence(_ sequenceIds: UnsafePointer<Int>?, B: Int, T: Int) -> [Int] {
    guard let ids = sequenceIds else { return [Int](repeating: 0, count: B * T) }
    var first = [Int](repeating: 0, count: B * T)
    for b in 0..<B {
        var seen: [Int: Int] = [:]
        for t in 0..<T {
            let id = ids[b * T + t]
            if let start = seen[id] { first[b * T + t] = start } else { seen[id] = t; first[b * T + t] = t }
        }
    }
    return first
}

/// Where one query-row block looks: rows [r0, r0+rows) see keys [c0, r0+rows).
private struct AttentionBlock {
    let r0: Int, rows: Int, c0: Int
    var width: Int { r0 + rows - c0 }

    init(b: Int, r0: Int, T: Int, first: [Int]) {
        self.r0 = r0
        rows = min(attentionRowBlock, T - r0)
        c0 = first[(b * T + r0)..<(b * T + r0 + rows)].min()!
    }
}

/// Masks a block's score row for query t: keys after t or of another sequence get -inf.
/// row is [width] for keys c0..<c0+width.
@inline(__always)
private func maskRow(_ row: UnsafeMutablePointer<Float>, t: Int, block: AttentionBlock,
                     ids: UnsafePointer<Int>?, rowBase: Int) {
    for j in (t + 1 - block.c0)..<block.width { row[j] = -.infinity }
    guard let ids else { return }
    let own = ids[rowBase + t]
    for j in 0..<(t + 1 - block.c0) where ids[rowBase + block.c0 + j] != own { row[j] = -.infinity }
}

/// scores [rows, width] = scale * Q[r0..] K[c0..]^T for one (batch, head).
@inline(__always)
private func blockScores(_ scores: UnsafeMutablePointer<Float>, _ Q: UnsafePointer<Float>, ldq: Int,
                         _ K: UnsafePointer<Float>, ldk: Int, _ block: AttentionBlock, headDim: Int, scale: Float) {
    ThreadPolicy.prepareBLAS(m: block.rows, n: block.width, k: headDim)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(block.rows), Int32(block.width), Int32(headDim),
                scale, Q + block.r0 * ldq, Int32(ldq), K + block.c0 * ldk, Int32(ldk), 0, scores, Int32(block.width))
}

/// Sizes, strides and mask starts shared by the forward and the backward.
private struct AttentionGeometry {
    let first: [Int]
    let scale: Float
    let ldq: Int, ldk: Int, group: Int

    init(_ name: String, sequenceIds: UnsafePointer<Int>?, B: Int, T: Int, nHead: Int, nKV: Int, headDim: Int) {
        checkAttentionShapes(name, B: B, T: T, nHead: nHead, nKV: nKV, headDim: headDim)
        first = firstSameSequence(sequenceIds, B: B, T: T)
        scale = 1 / Float(headDim).squareRoot()
        (ldq, ldk, group) = (nHead * headDim, nKV * headDim, nHead / nKV)
    }
}

private func checkAttentionShapes(_ name: String, B: Int, T: Int, nHead: Int, nKV: Int, headDim: Int) {
    precondition(B > 0 && T > 0 && nHead > 0 && nKV > 0 && headDim > 0 && nHead % nKV == 0,
                 "\(name): need positive sizes and nHead a multiple of nKV, got B \(B) T \(T) nHead \(nHead) nKV \(nKV) headDim \(headDim)")
}

/// Causal (optionally packed) grouped-query attention forward.
/// out [B,T,nHead,headDim], lse [B,nHead,T] (cached for the backward), q [B,T,nHead,headDim],
/// k, v [B,T,nKV,headDim], sequenceIds [B,T] or nil. Softmax scale is 1/sqrt(headDim).
public func attentionForward(_ out: UnsafeMutablePointer<Float>, _ lse: UnsafeMutablePointer<Float>,
                             _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                             sequenceIds: UnsafePointer<Int>?, B: Int, T: Int, nHead: Int, nKV: Int, headDim: Int) {
    let geometry = AttentionGeometry("attentionForward", sequenceIds: sequenceIds, B: B, T: T, nHead: nHead, nKV: nKV,
                                     headDim: headDim)
    let (first, scale, ldq, ldk, group) = (geometry.first, geometry.scale, geometry.ldq, geometry.ldk, geometry.group)
    ThreadPolicy.parallelFor(B * nHead) { tasks in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: attentionRowBlock * T)
        defer { scores.deallocate() }
        for task in tasks {
            let b = task / nHead, h = task % nHead
            let Q = q + b * T * ldq + h * headDim
            let K = k + b * T * ldk + (h / group) * headDim
            let Vh = v + b * T * ldk + (h / group) * headDim
            let O = out + b * T * ldq + h * headDim
            for r0 in stride(from: 0, to: T, by: attentionRowBlock) {
                let block = AttentionBlock(b: b, r0: r0, T: T, first: first)
                blockScores(scores, Q, ldq: ldq, K, ldk: ldk, block, headDim: headDim, scale: scale)
                for i in 0..<block.rows {
                    let row = scores + i * block.width
                    maskRow(row, t: r0 + i, block: block, ids: sequenceIds, rowBase: b * T)
                    let m = vectorMax(row, block.width)
                    let sum = vectorExpShifted(row, block.width, shift: m)
                    vectorScale(row, block.width, 1 / sum)
                    lse[(b * nHead + h) * T + r0 + i] = m + log(sum)
                }
                ThreadPolicy.prepareBLAS(m: block.rows, n: headDim, k: block.width)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(block.rows), Int32(headDim),
                            Int32(block.width), 1, scores, Int32(block.width), Vh + block.c0 * ldk, Int32(ldk),
                            0, O + r0 * ldq, Int32(ldq))
            }
        }
    }
}

/// Backward of `attentionForward`: dq += dL/dq, dk += dL/dk, dv += dL/dv given dOut.
/// dq, dOut, q [B,T,nHead,headDim]; dk, dv, k, v [B,T,nKV,headDim]; lse [B,nHead,T] from the
/// forward; sequenceIds as in the forward. Work is split by (batch, query head), so grouped-query
/// models keep both cores busy (9 tasks for SmolLM2 rather than 3 KV heads): each head writes
/// its own dK, dV slices [T,headDim] in scratch, summed into dk, dv per group afterwards.
public func attentionBackward(_ dq: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>,
                              _ dv: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                              _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                              _ lse: UnsafePointer<Float>, sequenceIds: UnsafePointer<Int>?,
                              B: Int, T: Int, nHead: Int, nKV: Int, headDim: Int) {
    let geometry = AttentionGeometry("attentionBackward", sequenceIds: sequenceIds, B: B, T: T, nHead: nHead, nKV: nKV,
                                     headDim: headDim)
    let (first, scale, ldq, ldk, group) = (geometry.first, geometry.scale, geometry.ldq, geometry.ldk, geometry.group)
    // headKV [2, B, nHead, T, headDim]: each query head's share of dK, then of dV.
    let headSlice = T * headDim, headKVCount = B * nHead * headSlice
    let headKV = UnsafeMutablePointer<Float>.allocate(capacity: 2 * headKVCount)
    defer { headKV.deallocate() }
    headKV.initialize(repeating: 0, count: 2 * headKVCount)
    ThreadPolicy.parallelFor(B * nHead) { tasks in
        let probabilities = UnsafeMutablePointer<Float>.allocate(capacity: attentionRowBlock * T)
        let dScores = UnsafeMutablePointer<Float>.allocate(capacity: attentionRowBlock * T)
        defer { probabilities.deallocate(); dScores.deallocate() }
        for task in tasks {
            let b = task / nHead, h = task % nHead, g = h / group
            let K = k + b * T * ldk + g * headDim, Vg = v + b * T * ldk + g * headDim
            let dK = headKV + task * headSlice, dV = headKV + headKVCount + task * headSlice
            let Q = q + b * T * ldq + h * headDim, dQ = dq + b * T * ldq + h * headDim
            let dO = dOut + b * T * ldq + h * headDim
            let hd = Int32(headDim)
            for r0 in stride(from: 0, to: T, by: attentionRowBlock) {
                let block = AttentionBlock(b: b, r0: r0, T: T, first: first)
                let (rows, width, c0) = (Int32(block.rows), Int32(block.width), block.c0)
                blockScores(probabilities, Q, ldq: ldq, K, ldk: ldk, block, headDim: headDim, scale: scale)
                // dP [rows, width] = dO V^T
                ThreadPolicy.prepareBLAS(m: block.rows, n: block.width, k: headDim)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, width, hd, 1,
                            dO + r0 * ldq, Int32(ldq), Vg + c0 * ldk, Int32(ldk), 0, dScores, width)
                for i in 0..<block.rows {
                    let p = probabilities + i * block.width, d = dScores + i * block.width
                    maskRow(p, t: r0 + i, block: block, ids: sequenceIds, rowBase: b * T)
                    vectorExpShifted(p, block.width, shift: lse[(b * nHead + h) * T + r0 + i])
                    // dS = P * (dP - sum_j P dP) * scale
                    let rowDot = vectorDot(p, d, block.width)
                    for j in 0..<block.width { d[j] = p[j] * (d[j] - rowDot) * scale }
                }
                // dQ[rows] += dS K ; dK[c0..] += dS^T Q ; dV[c0..] += P^T dO
                ThreadPolicy.prepareBLAS(m: block.rows, n: headDim, k: block.width)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hd, width, 1,
                            dScores, width, K + c0 * ldk, Int32(ldk), 1, dQ + r0 * ldq, Int32(ldq))
                ThreadPolicy.prepareBLAS(m: block.width, n: headDim, k: block.rows)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, width, hd, rows, 1,
                            dScores, width, Q + r0 * ldq, Int32(ldq), 1, dK + c0 * headDim, hd)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, width, hd, rows, 1,
                            probabilities, width, dO + r0 * ldq, Int32(ldq), 1, dV + c0 * headDim, hd)
            }
        }
    }
    // dk[b,t,g] += sum over the group's heads h of headKV[0,b,h,t]; the same for dv.
    ThreadPolicy.parallelFor(B * T, grain: 64) { tokens in
        for bt in tokens {
            let b = bt / T, t = bt % T
            for h in 0..<nHead {
                let slice = (b * nHead + h) * headSlice + t * headDim, target = bt * ldk + (h / group) * headDim
                vectorAxpy(dk + target, 1, headKV + slice, headDim)
                vectorAxpy(dv + target, 1, headKV + headKVCount + slice, headDim)
            }
        }
    }
}

/// Attention of one new query row per batch against a KV cache (generation).
/// out, q [B,nHead,headDim]; kCache, vCache [B,capacity,nKV,headDim] whose first `length`
/// positions are filled (the new token's key and value included, so length >= 1). Every cached
/// position is visible: the cache holds one sequence per batch row. No BLAS: a single row is
/// bandwidth bound and multi-threaded GEMV loses here.
public func attentionDecode(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
                            kCache: UnsafePointer<Float>, vCache: UnsafePointer<Float>,
                            B: Int, length: Int, capacity: Int, nHead: Int, nKV: Int, headDim: Int) {
    checkAttentionShapes("attentionDecode", B: B, T: max(1, length), nHead: nHead, nKV: nKV, headDim: headDim)
    precondition(length >= 1 && length <= capacity, "attentionDecode: length \(length) must be in 1...capacity \(capacity)")
    let scale = 1 / Float(headDim).squareRoot()
    let ldk = nKV * headDim, group = nHead / nKV
    // Split across threads once a few heads' work (length x headDim each) pays for a hand-off to
    // the pool's awake workers (about a microsecond).
    let grain = max(1, (1 << 12) / (length * headDim))
    ThreadPolicy.parallelFor(B * nHead, grain: grain) { tasks in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: length)
        defer { scores.deallocate() }
        for task in tasks {
            let b = task / nHead, h = task % nHead
            let qh = q + task * headDim, oh = out + task * headDim
            let K = kCache + b * capacity * ldk + (h / group) * headDim
            let Vg = vCache + b * capacity * ldk + (h / group) * headDim
            for j in 0..<length { scores[j] = scale * vectorDot(qh, K + j * ldk, headDim) }
            let sum = vectorExpShifted(scores, length, shift: vectorMax(scores, length))
            oh.update(repeating: 0, count: headDim)
            for j in 0..<length { vectorAxpy(oh, scores[j] / sum, Vg + j * ldk, headDim) }
        }
    }
}
