import Runtime

/// Fused output projection + cross-entropy at SmolLM2-135M's head (C 576, V 49152) and GPT-2's
/// (768, 50257): 1024 tokens with all or half of them supervised, to show ignored tokens cost
/// nothing. The naive twin (full logit rows, plain loops) runs on 4 tokens and is
/// compared per supervised token.
enum CrossEntropyBench {
    static func run(threads: Int) -> String {
        ThreadPolicy.setMaxThreads(threads)
        var rows: [[String]] = []
        for (model, C, V) in [("135M", 576, 49152), ("GPT-2", 768, 50257)] {
            let N = 1024
            let hidden = BenchReport.randomFloats(N * C, seed: 8)
            let weight = BenchReport.randomFloats(V * C, scale: 0.05, seed: 9)
            var dHidden = [Float](repeating: 0, count: N * C), dWeight = [Float](repeating: 0, count: V * C)
            let naiveRows = 4
            let naivePerToken = BenchReport.bestSeconds(minSeconds: 0, maxRepeats: 1) {
                _ = linearCrossEntropyReference(hidden: Array(hidden[0..<(naiveRows * C)]), weight: weight,
                                                labels: (0..<naiveRows).map { $0 }, N: naiveRows, C: C, V: V)
            } / Double(naiveRows)
            let defaultChunk = linearCrossEntropyDefaultChunkRows(vocabulary: V)
            // (every k-th token supervised, rows per logits chunk): half supervision shows ignored
            // tokens are free; a 64-row chunk shows what the default chunk size buys.
            for (every, chunk) in [(1, defaultChunk), (2, defaultChunk), (1, 64)] {
                let labels = (0..<N).map { $0 % every == 0 ? $0 * 31 % V : crossEntropyIgnoreIndex }
                let supervised = labels.filter { $0 != crossEntropyIgnoreIndex }.count
                let forward = BenchReport.bestSeconds {
                    _ = linearCrossEntropyForward(nil, hidden: hidden, weight: weight, labels: labels, N: N, C: C, V: V,
                                                  chunkRows: chunk)
                }
                let fused = BenchReport.bestSeconds {
                    _ = linearCrossEntropyFused(dHidden: &dHidden, dWeight: &dWeight, gradScale: 1, hidden: hidden,
                                                weight: weight, labels: labels, N: N, C: C, V: V, chunkRows: chunk)
                }
                let macs = Double(supervised) * Double(V) * Double(C)
                rows.append([model, "\(C)", "\(V)", "\(supervised)/\(N)", "\(chunk)",
                             BenchReport.fixed(forward * 1e3), BenchReport.fixed(2 * macs / forward / 1e9),
                             BenchReport.fixed(fused * 1e3), BenchReport.fixed(6 * macs / fused / 1e9),
                             BenchReport.fixed(Double(supervised) / fused / 1e3, 2),
                             BenchReport.fixed(naivePerToken * Double(supervised) / fused, 0) + "x"])
            }
        }
        return BenchReport.table("fused linear cross-entropy, 1024 tokens, \(threads) threads (fused: forward + dHidden "
                                 + "+ dWeight in one pass)",
                                 ["model", "C", "V", "supervised", "chunk", "fwd ms", "fwd GFLOP/s", "fused ms", "fused GFLOP/s",
                                  "k tok/s fused", "naive/fast"], rows)
    }
}
