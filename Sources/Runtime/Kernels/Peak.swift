import Dispatch
import Synchronization

/// The machine's fp32 arithmetic peak, measured, so benchmark figures can be stated as a fraction
/// of what this host delivers in the same run (a shared host's clock and load drift between runs).
public enum PeakFLOPS {
    /// Independent accumulators per thread: Zen 3 has two FMA pipes with 4-cycle latency, so at
    /// least 8 chains are needed to keep both busy; 12 leaves slack without spilling 16 registers.
    static let chains = 12
    /// Where each run's result goes, so the optimizer cannot drop the loop that made it.
    private static let sink = Atomic<UInt32>(0)

    /// GFLOP/s of SIMD8 fused multiply-adds (2 FLOP per lane) on `threads` threads running at
    /// once, each doing `iterations` rounds over its chains. Returns the best of `repeats` runs.
    public static func measure(threads: Int, iterations: Int = 4_000_000, repeats: Int = 3) -> Double {
        precondition(threads >= 1 && iterations >= 1 && repeats >= 1,
                     "PeakFLOPS.measure: threads \(threads) iterations \(iterations) repeats \(repeats) must be >= 1")
        var best = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                sink.store(fmaChains(iterations).bitPattern, ordering: .relaxed)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let flops = Double(threads) * Double(iterations) * Double(chains) * 8 * 2
            best = max(best, flops / seconds / 1e9)
        }
        return best
    }
}


/// `iterations` rounds of acc = acc * a + b on 12 independent SIMD8 chains; the values stay
/// bounded (a < 1) so no lane overflows or goes denormal.
@inline(never)
private func fmaChains(_ iterations: Int) -> Float {
    let a = SIMD8<Float>(repeating: 0.999_999), b = SIMD8<Float>(repeating: 1e-7)
    var c0 = SIMD8<Float>(repeating: 0.1), c1 = c0 + 0.01, c2 = c0 + 0.02, c3 = c0 + 0.03
    var c4 = c0 + 0.04, c5 = c0 + 0.05, c6 = c0 + 0.06, c7 = c0 + 0.07
    var c8 = c0 + 0.08, c9 = c0 + 0.09, c10 = c0 + 0.10, c11 = c0 + 0.11
    for _ in 0..<iterations {
        c0 = b.addingProduct(c0, a); c1 = b.addingProduct(c1, a); c2 = b.addingProduct(c2, a)
        c3 = b.addingProduct(c3, a); c4 = b.addingProduct(c4, a); c5 = b.addingProduct(c5, a)
        c6 = b.addingProduct(c6, a); c7 = b.addingProduct(c7, a); c8 = b.addingProduct(c8, a)
        c9 = b.addingProduct(c9, a); c10 = b.addingProduct(c10, a); c11 = b.addingProduct(c11, a)
    }
    let sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
    return sum.sum()
}
