import CBLAS
import Runtime

/// GFLOP/s of `C[M,N] = A[M,K] x W[N,K]^T` (a Linear layer's forward, as the models call BLAS)
/// for the layer shapes of SmolLM2-135M and GPT-2 124M, on 1 thread and on `threads`, with the
/// ratio to the FMA peak measured right after each shape in the same run. Threads are forced
/// (not chosen by ThreadPolicy) so the table shows the facts the policy is built on, including
/// single-row products (M = 1), where a second thread does not pay: decode stays on one thread.
enum MatmulBench {
    struct Shape {
        let model: String, layer: String, m: Int, k: Int, n: Int
    }

    static let shapes: [Shape] = [
        Shape(model: "135M", layer: "q/o proj", m: 512, k: 576, n: 576),
        Shape(model: "135M", layer: "gate/up", m: 512, k: 576, n: 1536),
        Shape(model: "135M", layer: "down", m: 512, k: 1536, n: 576),
        Shape(model: "135M", layer: "lm head", m: 512, k: 576, n: 49152),
        Shape(model: "GPT-2", layer: "c_attn", m: 512, k: 768, n: 2304),
        Shape(model: "GPT-2", layer: "attn c_proj", m: 512, k: 768, n: 768),
        Shape(model: "GPT-2", layer: "c_fc", m: 512, k: 768, n: 3072),
        Shape(model: "GPT-2", layer: "mlp c_proj", m: 512, k: 3072, n: 768),
        Shape(model: "GPT-2", layer: "lm head", m: 512, k: 768, n: 50257),
        // Around ThreadPolicy.largeProductFMAs (2^21): where a second BLAS thread starts to pay.
        Shape(model: "small", layer: "2^18 FMA", m: 64, k: 64, n: 64),
        Shape(model: "small", layer: "2^21 FMA", m: 128, k: 128, n: 128),
        Shape(model: "small", layer: "16 tokens", m: 16, k: 576, n: 576),
        Shape(model: "135M", layer: "head, 1 row", m: 1, k: 576, n: 49152),
        Shape(model: "135M", layer: "head, sgemv", m: 1, k: 576, n: 49152),
    ]

    static func run(threads: Int) -> String {
        let maxA = shapes.map { $0.m * $0.k }.max()!, maxW = shapes.map { $0.n * $0.k }.max()!
        let maxC = shapes.map { $0.m * $0.n }.max()!
        let a = BenchReport.randomFloats(maxA, seed: 1), w = BenchReport.randomFloats(maxW, scale: 0.05, seed: 2)
        var c = [Float](repeating: 0, count: maxC)
        var rows: [[String]] = []
        for s in shapes {
            var cells = [s.model, s.layer, "\(s.m)", "\(s.k)", "\(s.n)"]
            var rates: [Double] = []
            for t in Set([1, threads]).sorted() {
                ThreadPolicy.setBLASThreads(t)
                let seconds = BenchReport.bestSeconds {
                    if s.layer.hasSuffix("sgemv") {  // the same product as y[N] = W[N,K] x a[K]
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(s.n), Int32(s.k), 1, w, Int32(s.k), a, 1, 0, &c, 1)
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(s.m), Int32(s.n), Int32(s.k), 1, a,
                                    Int32(s.k), w, Int32(s.k), 0, &c, Int32(s.n))
                    }
                }
                let rate = 2 * Double(s.m * s.n * s.k) / seconds / 1e9
                rates.append(rate)
                // The peak again, right after: on a shared host the load moves within a run, and the
                // ratio should compare readings taken under the same load.
                let localPeak = PeakFLOPS.measure(threads: t, iterations: 1_000_000)
                cells += [BenchReport.fixed(rate), "\(Int((100 * rate / localPeak).rounded()))%"]
            }
            if rates.count == 2 { cells.append(BenchReport.fixed(rates[1] / rates[0], 2) + "x") }
            rows.append(cells)
        }
        var header = ["model", "layer", "M", "K", "N", "1 thr GFLOP/s", "% peak1"]
        if threads > 1 { header += ["\(threads) thr GFLOP/s", "% peak\(threads)", "speedup"] }
        return BenchReport.table("matmul C = A x W^T (cblas_sgemm NT, OpenBLAS threads forced to 1 and \(threads))",
                                 header, rows)
    }
}
