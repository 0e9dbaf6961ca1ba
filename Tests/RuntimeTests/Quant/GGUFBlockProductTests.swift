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

    func testKernelEqualsScalarTwinAndStaysWithinTheActivationQuantizationBound() throws {
        // K = 416 is 13 blocks: one group of 8 and a partial group of 5.
        for dtype in [StoredDType.q4_0, .q4_1, .q8_0] {
            let (M, N, K) = (3, 37, 416)
            let stored = randomWeight(dtype, rows: N, columns: K, seed: 7)
            let w = try XCTUnwrap(stored.decodeLayout())
            let x = randomInput(rows: M, columns: K, seed: 11)
            let dense = stored.floats()
            var y = [Float](repeating: .nan, count: M * N)
            XCTAssertTrue(x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer {
                w.productFromPackedRows($0.baseAddress!, xp.baseAddress!, M: M) } })
            let activations = BlockQuantizedActivations(x, rows: M, columns: K)
            let padded = activations.paddedBlocks
            for m in 0..<M {
                for n in 0..<N {
                    let twin = decodeRowDotReference(w.layout, row: w.row(n), codes: activations.codes + m * K,
                                                     scales: activations.scales + m * padded, sums: activations.sums + m * padded)
                    var exact = 0.0, bound = 0.0, magnitude = 0.0
                    for k in 0..<K {
                        let wk = Double(dense[n * K + k]), xk = Double(x[m * K + k])
                        exact += wk * xk
                        magnitude += abs(wk * xk)
                        // |x - scale·code| <= scale / 2 per element of the block.
                        bound += abs(wk) * Double(activations.scale(row: m, block: k / 32)) / 2
                    }
                    let fast = y[m * N + n]
                    XCTAssertEqual(fast, twin, accuracy: 1e-5 * Float(magnitude) + 1e-6, "\(dtype) row \(n) of x \(m): kernel vs twin")
                    XCTAssertLessThanOrEqual(abs(Double(fast) - exact), bound + 1e-5 * magnitude,
                                             "\(dtype) row \(n) of x \(m): beyond the int16 activation bound")
                }
            }
        }
    }

    func testActivationCodesAreStoredEvenColumnsFirst() {
        let x = (0..<64).map { Float($0 % 32) - 15.5 }
        let activations = BlockQuantizedActivations(x, rows: 1, columns: 64)
        for b in 0..<2 {
            let scale = activations.scale(row: 0, block: b)
            for j in 0..<32 {
                let code = activations.codes[b * 32 + BlockQuantizedActivations.position(ofColumn: j)]
                XCTAssertEqual(Float(code) * scale, x[b * 32 + j], accuracy: scale, "block \(b) column \(j)")
            }
            XCTAssertEqual(activations.sums[b], x[(b * 32)..<(b * 32 + 32)].reduce(0, +), accuracy: 1e-4)
        }
    }

    func testDecodeLayoutDecodesExactlyAsTheFile() throws {
        for dtype in [StoredDType.q4_0, .q4_1, .q8_0] {
            let stored = randomWeight(dtype, rows: 9, columns: 96, seed: 13).gatheringRows([4, 0, 8, 1, 7, 2, 6, 3, 5])
            let w = try XCTUnwrap(stored.decodeLayout())
            XCTAssertEqual(w.byteCount, stored.byteCount, "\(dtype): the layout keeps the file's bytes")
            XCTAssertEqual(w.dequantized().scalars, stored.floats(), "\(dtype)")
            var rows = [Float](repeating: 0, count: 3 * 96)
            rows.withUnsafeMutableBufferPointer { w.decodeRows(5..<8, into: $0.baseAddress!) }
            XCTAssertEqual(rows, Array(stored.floats()[(5 * 96)..<(8 * 96)]), "\(dtype) rows 5..<8")
        }
    }

    func testPackedLinearUsesBlocksForOneRowAndTilesForMany() throws {
        let stored = randomWeight(.q4_1, rows: 64, columns: 96, seed: 3)
        let w = try XCTUnwrap(stored.decodeLayout())
        let dense = Tensor(stored.floats(), shape: [64, 96])
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

    func testRowOrderIsFollowed() throws {
        let w = randomWeight(.q8_0, rows: 8, columns: 64, seed: 5)
        let order = [3, 1, 7, 0, 2, 6, 5, 4]
        let x = randomInput(rows: 1, columns: 64, seed: 9)
        func product(_ t: StoredTensor) throws -> [Float] {
            let layout = try XCTUnwrap(t.decodeLayout())
            var y = [Float](repeating: 0, count: 8)
            _ = x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { layout.productFromPackedRows($0.baseAddress!, xp.baseAddress!, M: 1) } }
            return y
        }
        let plain = try product(w), reordered = try product(w.gatheringRows(order))
        XCTAssertEqual(reordered, order.map { plain[$0] })
    }

    func testProductsSharingAnInputEqualSeparateProducts() throws {
        let weights = try [(48, StoredDType.q4_1), (16, .q4_1), (600, .q8_0)].enumerated().map { i, shape in
            try XCTUnwrap(randomWeight(shape.1, rows: shape.0, columns: 288, seed: UInt64(20 + i)).decodeLayout())
        }
        let M = 2
        let x = randomInput(rows: M, columns: 288, seed: 4)
        let separate = weights.map { w in
            var y = [Float](repeating: 0, count: M * w.outFeatures)
            _ = x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { w.productFromPackedRows($0.baseAddress!, xp.baseAddress!, M: M) } }
            return y
        }
        let saved = ThreadPolicy.maxThreads
        defer { ThreadPolicy.setMaxThreads(saved) }
        // With 2 threads the 664 rows split inside the third weight.
        for threads in [1, 2] {
            ThreadPolicy.setMaxThreads(threads)
            let outputs = weights.map { UnsafeMutablePointer<Float>.allocate(capacity: M * $0.outFeatures) }
            defer { outputs.forEach { $0.deallocate() } }
            x.withUnsafeBufferPointer { decodeBlockProducts(Array(zip(weights, outputs)), $0.baseAddress!, M: M) }
            for (i, w) in weights.enumerated() {
                XCTAssertEqual(Array(UnsafeBufferPointer(start: outputs[i], count: M * w.outFeatures)), separate[i], "weight \(i), \(threads) threads")
            }
        }
    }

    func testOtherFormatsHaveNoDecodeLayout() {
        let w = StoredTensor(name: "w", dtype: .f32, shape: [2, 32], owning: [UInt8](repeating: 0, count: 256))
        XCTAssertNil(w.decodeLayout())
    }
}
