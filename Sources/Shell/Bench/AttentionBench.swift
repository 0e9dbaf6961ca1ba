import Runtime

/// Causal attention forward and backward at SmolLM2-135M's head layout (9 query heads, 3 KV
/// heads, head dim 64), unpacked and packed (sequences of 128 tokens), against the naive twin.
/// GFLOP/s count only the causal half of each product (what a causal kernel must compute):
/// forward 2 products, backward 5 (scores recomputed, dP, dQ, dK, dV).
enum AttentionBench {
    static func run(threads: Int) -> String {
        ThreadPolicy.setMaxThreads(threads)
        let (nHead, nKV, hd) = (9, 3, 64)
        var rows: [[String]] = []
        for (B, T, packedLength) in [(1, 512, 0), (4, 512, 0), (4, 512, 128), (1, 2048, 0), (1, 2048, 256)] {
            let q = BenchReport.randomFloats(B * T * nHead * hd, seed: 3)
            let k = BenchReport.randomFloats(B * T * nKV * hd, seed: 4), v = BenchReport.randomFloats(k.count, seed: 5)
            let dOut = BenchReport.randomFloats(q.count, seed: 6)
            let ids: [Int]? = packedLength > 0 ? (0..<(B * T)).map { $0 % T / packedLength } : nil
            var out = [Float](repeating: 0, count: q.count), lse = [Float](repeating: 0, count: B * nHead * T)
            var dq = [Float](repeating: 0, count: q.count), dk = [Float](repeating: 0, count: k.count), dv = dk
            let causalMACs = Double(B * nHead) * Double(T) * Double(T + 1) / 2 * Double(hd)
            let forward = BenchReport.bestSeconds {
                withIds(ids) { attentionForward(&out, &lse, q, k, v, sequenceIds: $0, B: B, T: T, nHead: nHead, nKV: nKV,
                                                headDim: hd) }
            }
            let backward = BenchReport.bestSeconds {
                withIds(ids) { attentionBackward(&dq, &dk, &dv, dOut, q, k, v, lse, sequenceIds: $0, B: B, T: T,
                                                 nHead: nHead, nKV: nKV, headDim: hd) }
            }
            var naive = "-"
            if B * T <= 512 {  // the naive twin takes seconds beyond this
                let seconds = BenchReport.bestSeconds(minSeconds: 0, maxRepeats: 1) {
                    _ = attentionReferenceForward(q: q, k: k, v: v, sequenceIds: ids, B: B, T: T, nHead: nHead,
                                                  nKV: nKV, headDim: hd)
                }
                naive = BenchReport.fixed(seconds / forward, 0) + "x"
            }
            rows.append(["\(B)", "\(T)", packedLength > 0 ? "\(packedLength)" : "-",
                         BenchReport.fixed(forward * 1e3, 2), BenchReport.fixed(4 * causalMACs / forward / 1e9),
                         BenchReport.fixed(backward * 1e3, 2), BenchReport.fixed(10 * causalMACs / backward / 1e9),
                         BenchReport.fixed(Double(B * T) / (forward + backward) / 1e3), naive])
        }
        return BenchReport.table("attention, 9/3 heads x 64, \(threads) threads (packed: sequence length; "
                                 + "naive: reference-twin forward time / fast forward time)",
                                 ["B", "T", "packed", "fwd ms", "fwd GFLOP/s", "bwd ms", "bwd GFLOP/s", "k tok/s f+b",
                                  "naive/fast"], rows)
    }

    private static func withIds(_ ids: [Int]?, _ body: (UnsafePointer<Int>?) -> Void) {
        guard let ids else { return body(nil) }
        ids.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
