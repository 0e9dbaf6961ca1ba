import Foundation
import XCTest
import Runtime
import TestSupport

/// Tiled packed products against the plain path (dequantize fully, then linear), on odd sizes.
final class PackedLinearTests: XCTestCase {
    private func floatLinear(_ outF: Int, _ inF: Int, seed: UInt64) -> Linear {
        var g = SeededGenerator(seed: seed)
        return Linear(inF, outF, bias: true, generator: &g)
    }

    private func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return Tensor.randn(shape, generator: &g)
    }

    /// Forward and dx of a packed layer equal the dequantized reference, bias included.
    private func checkAgainstReference(_ layer: some PackedLinearLayer, x: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        let w = layer.packedWeight.dequantized()
        let xr = Tensor(x.scalars, shape: x.shape, requiresGrad: true)
        let xq = Tensor(x.scalars, shape: x.shape, requiresGrad: true)
        let yr = linear(xr, weight: w, bias: layer.bias)
        let yq = layer(xq)
        XCTAssertEqual(yq.shape, yr.shape, file: file, line: line)
        assertClose(yq.scalars, yr.scalars, rtol: 1e-5, atol: 1e-5, "forward", file: file, line: line)
        let r = input(yr.shape, seed: 99)
        let gr = (yr * r).sum().backward(), gq = (yq * r).sum().backward()
        assertClose(gq[xq]!.scalars, gr[xr]!.scalars, rtol: 1e-5, atol: 1e-5, "dx", file: file, line: line)
    }

    func testNF4MatchesDequantizedReferenceOnOddSizesAndManyTiles() {
        // 70 inputs: blocks of 64 straddle rows; 1000 outputs at 70 inputs span two tiles (one row
        // of x goes through sgemv per tile, more through sgemm).
        for (outF, inF, xShape) in [(13, 70, [3, 5, 70]), (1000, 70, [2, 70]), (1000, 70, [1, 70]), (1, 1, [4, 1]), (7, 129, [1, 129])] {
            let layer = NF4Linear(quantizing: floatLinear(outF, inF, seed: UInt64(outF)))
            checkAgainstReference(layer, x: input(xShape, seed: 3))
        }
    }

    func testInt8AndPlainNF4MatchDequantizedReference() {
        let base = floatLinear(11, 37, seed: 4)
        checkAgainstReference(NF4Linear(quantizing: base, doubleQuantize: false), x: input([5, 37], seed: 5))
        // Int8's forward rounds activations (straight-through), so only its dx is the plain one.
        let q = Int8Linear(quantizing: base, threshold: 0)
        let x = Tensor(input([5, 37], seed: 6).scalars, shape: [5, 37], requiresGrad: true)
        let r = input([5, 11], seed: 7)
        let dx = (q(x) * r).sum().backward()[x]!
        assertClose(dx.scalars, matmul(r, q.weight.dequantized()).scalars, rtol: 1e-5, atol: 1e-6)
    }

    /// dx of the packed product against float64 central differences of f(x) = sum(r * (x W^T))
    /// on the dequantized weight.
    func testInputGradientAgainstFloat64FiniteDifferences() {
        let layer = NF4Linear(quantizing: floatLinear(6, 67, seed: 8))
        let x = Tensor(input([2, 67], seed: 9).scalars, shape: [2, 67], requiresGrad: true)
        let r = input([2, 6], seed: 10)
        let dx = (layer(x) * r).sum().backward()[x]!.scalars
        let w = layer.weight.dequantized().scalars.map(Double.init), bias = layer.bias!.scalars.map(Double.init)
        let rr = r.scalars.map(Double.init)
        func f(_ xs: [Double]) -> Double {
            var total = 0.0
            for m in 0..<2 { for n in 0..<6 {
                var y = bias[n]
                for k in 0..<67 { y += xs[m * 67 + k] * w[n * 67 + k] }
                total += rr[m * 6 + n] * y
            } }
            return total
        }
        let x0 = x.scalars.map(Double.init), h = 1e-4
        let numeric = (0..<x0.count).map { i -> Double in
            var plus = x0, minus = x0
            plus[i] += h; minus[i] -= h
            return (f(plus) - f(minus)) / (2 * h)
        }
        assertClose(dx, numeric, rtol: 1e-4, atol: 1e-5)
    }

    func testEmptyBatchAndWeightSizeReporting() {
        let layer = NF4Linear(quantizing: floatLinear(64, 128, seed: 11))
        XCTAssertEqual(layer(Tensor.zeros([0, 128])).shape, [0, 64])
        // 4 bits per value + one byte per block of 64 + a Float32 per 256 blocks + the offset.
        XCTAssertEqual(layer.weight.byteCount, 64 * 128 / 2 + 128 + 4 + 4)
        XCTAssertEqual(NF4Linear(quantizing: floatLinear(64, 128, seed: 11), doubleQuantize: false).weight.byteCount,
                       64 * 128 / 2 + 4 * 128)
    }

    /// GGUF blocks (gguf-py's files) as a frozen base: every block type against its decode.
    func testGGUFBlocksAsFrozenBase() throws {
        let file = try GGUFFile(url: fixtureURL("gguf/types.gguf"))
        for name in ["q4_0", "q4_1", "q8_0", "q4_k", "q6_k"] {
            let stored = try file.tensor(name)
            XCTAssertEqual(stored.shape.count, 2, name)
            let layer = PackedLinear(weight: stored)
            assertClose(layer.packedWeight.dequantized().scalars, stored.floats(), rtol: 0, atol: 0, name)
            // Eight rows decode tiles (exact); a few rows multiply the blocks with int16
            // activations instead, held to their bound in GGUFBlockProductTests.
            checkAgainstReference(layer, x: input([8, stored.shape[1]], seed: 12))
        }
    }
}

/// LLM.int8 against bitsandbytes' semantics (Tests/Fixtures/quant/int8.safetensors).
final class Int8LinearTests: XCTestCase {
    func testMatchesBitsandbytesSemantics() throws {
        let f = try SafetensorsFile(url: fixtureURL("quant/int8.safetensors")).tensors
        func tensor(_ name: String) throws -> Tensor {
            let s = try XCTUnwrap(f[name], name)
            return Tensor(s.floats(), shape: s.shape)
        }
        let base = Linear(weight: try tensor("weight"), bias: try tensor("bias"))
        let layer = Int8Linear(quantizing: base)
        XCTAssertEqual(layer.weight.codes.map(Int.init), try XCTUnwrap(f["weight_codes"]?.integers()))
        XCTAssertEqual(layer.weight.rowScales, try XCTUnwrap(f["weight_scale"]).floats())
        let x = try tensor("x")
        XCTAssertEqual(layer.outlierColumns(x), try XCTUnwrap(f["outlier_columns"]?.integers()))
        assertClose(layer(x).scalars, try XCTUnwrap(f["y"]).floats(), rtol: 1e-5, atol: 1e-5, "threshold 6")
        assertClose(Int8Linear(quantizing: base, threshold: 0)(x).scalars, try XCTUnwrap(f["y_no_threshold"]).floats(),
                    rtol: 1e-5, atol: 1e-5, "no outliers")
        // The outlier path matters here: without it the answer is measurably worse.
        let exact = linear(x, weight: base.weight, bias: base.bias).scalars
        let errorWith = zip(layer(x).scalars, exact).map { abs($0 - $1) }.max()!
        let errorWithout = zip(Int8Linear(quantizing: base, threshold: 0)(x).scalars, exact).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(errorWith, errorWithout)
    }
}
