import Foundation
import Runtime

/// `sft bench gemv`: one row times a weight matrix (the decode product), Float32 through sgemv
/// next to products straight from GGUF blocks (Q4_1, Q8_0, in the decode layout that
/// `weights=packed` loads them into), on the shapes of SmolLM2-135M. Each
/// shape cycles through enough copies of the matrix (about 200 MB of Float32) that every call
/// reads its weight from memory, not cache, as decode does; GB/s counts the weight bytes read.
enum GemvBench {
    static let shapes: [(name: String, out: Int, in: Int)] = [
        ("q_proj / o_proj", 576, 576), ("k_proj / v_proj", 192, 576), ("gate / up", 1536, 576),
        ("down", 576, 1536), ("head (tied)", 49152, 576),
    ]

    static func run(threads: Int) -> String {
        var rows: [[String]] = []
        for t in threads > 1 ? [1, threads] : [1] {
            ThreadPolicy.setMaxThreads(t)
            for shape in shapes {
                let copies = max(1, (200 << 20) / (shape.out * shape.in * 4))
                let x = Tensor(BenchReport.randomFloats(shape.in, seed: 5), shape: [1, shape.in])
                let dense = (0..<copies).map { Tensor(BenchReport.randomFloats(shape.out * shape.in, scale: 0.05, seed: UInt64($0)), shape: [shape.out, shape.in]) }
                var cells = ["\(shape.name) \(shape.out)x\(shape.in)", "\(t)"]
                cells.append(rate(calls: copies, bytes: shape.out * shape.in * 4) { i in withNoGrad { _ = matmul(x, dense[i], transposeB: true) } })
                for dtype in [StoredDType.q4_1, .q8_0] {
                    let packed = (0..<copies).map { randomBlocks(dtype, rows: shape.out, columns: shape.in, seed: UInt64($0)).decodeLayout()! }
                    cells.append(rate(calls: copies, bytes: packed[0].byteCount) { i in withNoGrad { _ = packedLinear(x, weight: packed[i]) } })
                }
                rows.append(cells)
            }
        }
        return BenchReport.table("one row x W (decode), weight bytes read per second; matrices cycled so each call reads memory",
                                 ["shape", "threads", "fp32 sgemv", "Q4_1 blocks", "Q8_0 blocks"], rows)
    }

    /// "GB/s  us/call" for calls cycling through `calls` matrices of `bytes` each.
    private static func rate(calls: Int, bytes: Int, _ call: (Int) -> Void) -> String {
        let seconds = BenchReport.bestSeconds(minSeconds: 0.3, maxRepeats: 5) { for i in 0..<calls { call(i) } }
        let perCall = seconds / Double(calls)
        return "\(BenchReport.fixed(Double(bytes) / perCall / 1e9, 1)) GB/s \(BenchReport.fixed(perCall * 1e6, 0)) us"
    }

    /// Valid blocks of `dtype` with seeded random codes and modest fp16 scales (and offsets).
    private static func randomBlocks(_ dtype: StoredDType, rows: Int, columns: Int, seed: UInt64) -> StoredTensor {
        var generator = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows * columns / dtype.blockSize * dtype.blockBytes)
        func half(_ value: Float) -> [UInt8] { withUnsafeBytes(of: Float16(value).bitPattern.littleEndian, Array.init) }
        for _ in 0..<(rows * columns / 32) {
            bytes += half(Float.random(in: 0.001...0.01, using: &generator))
            if dtype == .q4_1 { bytes += half(Float.random(in: -0.05...0.05, using: &generator)) }
            for _ in 0..<(dtype == .q8_0 ? 32 : 16) { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        }
        return StoredTensor(name: "w", dtype: dtype, shape: [rows, columns], owning: bytes)
    }
}
