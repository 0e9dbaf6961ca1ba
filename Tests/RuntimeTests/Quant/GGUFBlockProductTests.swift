import XCTest
@testable import Runtime
import TestSupport

/// Products straight from GGUF blocks (decode): the AVX2 kernel against its scalar twin, and
/// both against the exact product of the dequantized weight within the bound that quantizing
/// the activations to int16 allows.
final class GGUFBlockProductTests: XCTestCase {
    /// Random but valid blocks: random code bytes, scales and offsets drawn as fp16 of modest size.
    private func randomWeight(_ dtype: StoredDType, rows: Int, columns: Int, seed: UInt64) -> StoredTensor {
        var generator = SeededGenerator(seed: seed)
        let blocks = rows * columns / 32
        var bytes: [UInt8] = []
        func half(_ value: Float) -> [UInt8] { withUnsafeBytes(of: Float16(value).bitPattern.littleEndian, Array.init) }
        for _ in 0..<blocks {
            bytes += half(Float.random(in: 0.001...0.05, using: &generator))
            if dtype == .q4_1 { bytes += half(Float.random(in: -0.2...0.2, using: &generator)) }
            let codeBytes = dtype == .q8_0 ? 32 : 16
            bytes += (0..<codeBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        return StoredTensor(name: "w", dtype: dtype, shape: [rows, columns], owning: bytes)
    }

    private func randomInput(rows: Int, columns: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        // A few large values, as real activations have, so block scales differ widely.
        return (0..<(rows * columns)).map { i in Float.random(in: -1...1, using: &generator) * (i % 97 == 0 ? 20 : 1) }
    }

    func testKernelEqualsScalarTwinAndStaysWithinTheActivationQuantizationBound() {
        for dtype in [StoredDType.q4_0, .q4_1, .q8_0] {
            let (M, N, K) = (3, 37, 160)
            let w = randomWeight(dtype, rows: N, columns: K, seed: 7)
            let x = randomInput(rows: M, columns: K, seed: 11)
            let format = BlockDotFormat(dtype)!
            let dense = w.floats()
            var y = [Float](repeating: .nan, count: M * N)
            XCTAssertTrue(x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer {
                w.productFromPackedRows($0.baseAddress!, xp.baseAddress!, M: M) } })
            let activations = BlockQuantizedActivations(x, rows: M, columns: K)
            let blocks = K / 32
            for m in 0..<M {
                for n in 0..<N {
                    let twin = blockDotReference(format, row: w.rowBytes(n).baseAddress!, blocks: blocks,
                                                 codes: activations.codes + m * K, scaleSums: activations.scaleSums + 2 * m * blocks)
                    var exact = 0.0, bound = 0.0, magnitude = 0.0
                    for k in 0..<K {
                        let wk = Double(dense[n * K + k]), xk = Double(x[m * K + k])
                        exact += wk * xk
                        magnitude += abs(wk * xk)
                        // |x - scale·code| <= scale / 2 per element of the block.
                        bound += abs(wk) * Double(activations.scale(m * blocks + k / 32)) / 2
                    }
                    let fast = y[m * N + n]
                    XCTAssertEqual(fast, twin, accuracy: 1e-5 * Float(magnitude) + 1e-6, "\(dtype) row \(n) of x \(m): kernel vs twin")
                    XCTAssertLessThanOrEqual(abs(Double(fast) - exact), bound + 1e-5 * magnitude,
                                             "\(dtype) row \(n) of x \(m): beyond the int16 activation bound")
                }
            }
        }
    }

    func testPackedLinearUsesBlocksForOneRowAndTilesForMany() {
        let w = randomWeight(.q4_1, rows: 64, columns: 96, seed: 3)
        let dense = Tensor(w.floats(), shape: [64, 96])
        for rows in [1, 9] {
            let x = Tensor(randomInput(rows: rows, columns: 96, seed: UInt64(rows)), shape: [rows, 96])
            let packed = withNoGrad { packedLinear(x, weight: w) }.scalars
            if rows == 1 {
                var direct = [Float](repeating: 0, count: 64)
                _ = direct.withUnsafeMutableBufferPointer { w.productFromPackedRows($0.baseAddress!, x.pointer, M: 1) }
                XCTAssertEqual(packed, direct, "one row should go straight through the blocks")
            } else {
                assertClose(packed, withNoGrad { matmul(x, dense, transposeB: true) }.scalars, rtol: 1e-5, atol: 1e-5)
            }
        }
    }

    func testRowOrderIsFollowed() {
        let w = randomWeight(.q8_0, rows: 8, columns: 64, seed: 5)
        let order = [3, 1, 7, 0, 2, 6, 5, 4]
        let gathered = w.gatheringRows(order)
        let x = randomInput(rows: 1, columns: 64, seed: 9)
        func product(_ t: StoredTensor) -> [Float] {
            var y = [Float](repeating: 0, count: 8)
            _ = x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { t.productFromPackedRows($0.baseAddress!, xp.baseAddress!, M: 1) } }
            return y
        }
        let plain = product(w), reordered = product(gathered)
        XCTAssertEqual(reordered, order.map { plain[$0] })
    }

    func testOtherFormatsDeclineTheDirectProduct() {
        let w = StoredTensor(name: "w", dtype: .f32, shape: [2, 32], owning: [UInt8](repeating: 0, count: 256))
        var y = [Float](repeating: 0, count: 2)
        let x = [Float](repeating: 1, count: 32)
        XCTAssertFalse(x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { w.productFromPackedRows($0.baseAddress!, xp.baseAddress!, M: 1) } })
    }
}
