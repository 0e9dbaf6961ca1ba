import Foundation
import Runtime
import TestSupport
import XCTest

/// Each fast Float32 kernel (through its tensor op) equals its plain Double twin on random
/// inputs whose sizes cross the SIMD8/16 loops and their tails: 1, 7, 33, 513.
final class SimpleKernelTests: XCTestCase {
    typealias R = ReferenceKernels
    let sizes = [1, 7, 33, 513]

    private func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> (Tensor, [Double]) {
        var g = SeededGenerator(seed: seed)
        let t = Tensor.randn(shape, std: scale, generator: &g)
        return (t, t.scalars.map(Double.init))
    }

    func testSoftmaxLogSoftmax() {
        for n in sizes {
            let (x, xd) = random([3, n], seed: UInt64(n), scale: 4)
            assertClose(x.softmax().scalars, R.softmax(xd, cols: n), rtol: 1e-5, atol: 1e-7)
            assertClose(x.logSoftmax().scalars, R.logSoftmax(xd, cols: n), rtol: 1e-5, atol: 1e-5)
        }
    }

    func testNorms() {
        for n in sizes {
            let (x, xd) = random([3, n], seed: UInt64(n), scale: 3)
            let (w, wd) = random([n], seed: 100 + UInt64(n))
            let (b, bd) = random([n], seed: 200 + UInt64(n))
            assertClose(layerNorm(x, weight: w, bias: b).scalars, R.layerNorm(xd, weight: wd, bias: bd, cols: n, eps: 1e-5), rtol: 1e-4, atol: 1e-4)
            assertClose(rmsNorm(x, weight: w, eps: 1e-5).scalars, R.rmsNorm(xd, weight: wd, cols: n, eps: 1e-5), rtol: 1e-4, atol: 1e-5)
        }
    }

    func testActivationsAndSwiGLU() {
        for n in sizes {
            let (x, xd) = random([n], seed: UInt64(n), scale: 3)
            for f in [Activation.gelu, .geluTanh, .silu, .relu, .exp] {
                assertClose(x.activation(f).scalars, R.activation(f, xd), rtol: 1e-5, atol: 1e-6, "\(f) n=\(n)")
            }
            let (u, ud) = random([n], seed: 50 + UInt64(n))
            assertClose(swiglu(gate: x, up: u).scalars, R.swiglu(gate: xd, up: ud), rtol: 1e-5, atol: 1e-6)
        }
    }

    func testMatmulAllTransposes() {
        for (M, N, K) in [(1, 1, 1), (7, 33, 5), (33, 7, 513), (2, 513, 7)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let (a, ad) = random(ta ? [K, M] : [M, K], seed: UInt64(M * 31 + K))
                    let (b, bd) = random(tb ? [N, K] : [K, N], seed: UInt64(N * 17 + K))
                    assertClose(matmul(a, b, transposeA: ta, transposeB: tb).scalars,
                                R.matmul(ad, bd, M: M, N: N, K: K, transposeA: ta, transposeB: tb), rtol: 1e-4, atol: 1e-4)
                }
            }
        }
    }

    func testElementwiseLayoutsAgainstBroadcastReference() {
        for n in sizes {
            let shapes: [([Int], [Int])] = [([3, n], [3, n]), ([3, n], [n]), ([3, n], [3, 1]), ([n], []), ([1], [2, n]), ([n, 1], [2, 1, 3])]
            for (sa, sb) in shapes {
                let (a, ad) = random(sa, seed: 1 + UInt64(n)), (b, bd) = random(sb, seed: 2 + UInt64(n))
                assertClose((a + b).scalars, broadcast(ad, sa, bd, sb, +), rtol: 1e-6, atol: 1e-6)
                assertClose((a * b).scalars, broadcast(ad, sa, bd, sb, *), rtol: 1e-6, atol: 1e-6)
                assertClose((a - b).scalars, broadcast(ad, sa, bd, sb, -), rtol: 1e-6, atol: 1e-6)
            }
        }
    }

    func testReductionsAndLayout() {
        for n in sizes {
            let (x, xd) = random([3, n], seed: UInt64(n))
            assertClose(x.sumLastAxis().scalars, rows(xd, n).map { $0.reduce(0, +) }, rtol: 1e-5, atol: 1e-4)
            assertClose(x.maxLastAxis().scalars, rows(xd, n).map { $0.max()! })
            assertClose(x.reshaped([3, 1, n]).permuted([2, 0, 1]).scalars, permute(xd, [3, 1, n], [2, 0, 1]))
        }
    }

    func testEmbeddingAndCrossEntropy() {
        for V in sizes {
            let (table, td) = random([V, 5], seed: UInt64(V))
            let ids = (0..<9).map { ($0 * 7 + 3) % V }
            assertClose(embedding(ids, table: table).scalars, R.embedding(ids, table: td, cols: 5))
            let (logits, ld) = random([4, V], seed: 9 + UInt64(V), scale: 5)
            let labels = [V - 1, ignoreIndex, 0, V / 2]
            let fast = crossEntropySum(logits: logits, labels: labels)
            let ref = R.crossEntropySum(logits: ld, labels: labels, cols: V)
            XCTAssertEqual(fast.count, 3)
            XCTAssertEqual(fast.count, ref.count)
            assertClose(fast.sum.item, ref.sum, rtol: 1e-5, atol: 1e-5)
        }
        let allIgnored = crossEntropySum(logits: Tensor.zeros([2, 3]), labels: [ignoreIndex, ignoreIndex])
        XCTAssertEqual(allIgnored.count, 0)
        XCTAssertEqual(allIgnored.sum.item, 0)
        XCTAssertEqual(crossEntropy(logits: Tensor.zeros([2, 3]), labels: [ignoreIndex, ignoreIndex]).item, 0)
    }

    func testSIMDExpIsWithinAFewULP() {
        var worst = 0.0
        var x: Float = -87.2
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0013 })
            let y = simdExp(lanes)
            for j in 0..<8 {
                let exact = Foundation.exp(Double(lanes[j]))
                worst = max(worst, abs(Double(y[j]) - exact) / exact)
            }
            x += 0.0731
        }
        XCTAssertLessThan(worst, 5e-7, "relative error (Float's ulp is 1.2e-7)")
        let edges = simdExp(SIMD8<Float>(-.infinity, -100, -87.5, 0, 89, .infinity, .nan, 1))
        XCTAssertEqual(edges[0], 0)
        XCTAssertEqual(edges[1], 0)
        XCTAssertEqual(edges[3], 1)
        XCTAssertEqual(edges[4], .infinity)
        XCTAssertEqual(edges[5], .infinity)
        XCTAssertTrue(edges[6].isNaN)
        assertClose(edges[7], Foundation.exp(1.0), rtol: 3e-7)
        // A masked score contributes exactly nothing.
        let p = Tensor([0, -.infinity, 1], shape: [1, 3]).softmax().scalars
        XCTAssertEqual(p[1], 0)
    }

    func testActivationNamesFromConfigs() {
        XCTAssertEqual(Activation(huggingFaceName: "gelu_pytorch_tanh"), .geluTanh)
        XCTAssertEqual(Activation(huggingFaceName: "gelu_new"), .geluTanh)
        XCTAssertEqual(Activation(huggingFaceName: "gelu"), .gelu)
        XCTAssertEqual(Activation(huggingFaceName: "silu"), .silu)
        XCTAssertNil(Activation(huggingFaceName: "quick_gelu"))
    }

    func testDropoutMaskIsSeededAndScaled() {
        var g1 = SeededGenerator(seed: 4), g2 = SeededGenerator(seed: 4)
        let x = Tensor.ones([1000])
        let a = x.dropout(p: 0.3, generator: &g1).scalars, b = x.dropout(p: 0.3, generator: &g2).scalars
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-6 })
        let dropped = Double(a.filter { $0 == 0 }.count) / 1000
        XCTAssertEqual(dropped, 0.3, accuracy: 0.05)
    }
}
