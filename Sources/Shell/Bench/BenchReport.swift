import Foundation
import Runtime

/// Timing and table rendering shared by the benchmarks.
enum BenchReport {
    static func header(threads: Int) -> String {
        let date = ISO8601DateFormatter().string(from: Date())
        let host = ProcessInfo.processInfo
        return "sft bench  \(date)  \(host.activeProcessorCount) cores, threads up to \(threads), load \(loadAverage())"
    }

    /// The best wall time of `body` in seconds: one warm-up call, then repeats until `minSeconds`
    /// have passed (at least 2, at most `maxRepeats`).
    static func bestSeconds(minSeconds: Double = 0.4, maxRepeats: Int = 10, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity, total = 0.0, runs = 0
        while runs < 2 || (total < minSeconds && runs < maxRepeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, seconds)
            total += seconds
            runs += 1
        }
        return best
    }

    /// Fixed-width columns: the first left-aligned, the rest right-aligned.
    static func table(_ title: String, _ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max()! }
        func line(_ row: [String]) -> String {
            row.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return c == 0 ? row[c] + pad : pad + row[c]
            }.joined(separator: "  ")
        }
        return "\n\(title)\n" + ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func fixed(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

    /// Random values in [-1, 1) times `scale` (a fixed seed: runs see the same data).
    static func randomFloats(_ count: Int, scale: Float = 1, seed: UInt64 = 7) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Float(state >> 40) / Float(1 << 23) - 1) * scale
        }
    }

    private static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// The FMA peak on 1 and on `threads` threads (the matmul table re-measures it beside each shape).
struct PeakMeasurement {
    let single: Double
    let multi: Double
    let threads: Int

    static func run(threads: Int) -> PeakMeasurement {
        PeakMeasurement(single: PeakFLOPS.measure(threads: 1), multi: threads > 1 ? PeakFLOPS.measure(threads: threads, repeats: 6) : 0,
                        threads: threads)
    }

    func table() -> String {
        var rows = [["1", BenchReport.fixed(single)]]
        if threads > 1 { rows.append(["\(threads)", BenchReport.fixed(multi)]) }
        return BenchReport.table("fp32 peak: SIMD8 FMA, 12 independent chains per thread", ["threads", "GFLOP/s"], rows)
    }
}
