import Runtime
import TestSupport
import XCTest

/// Every differentiable op against a float64 central difference of its Double reference.
final class GradientCheckTests: XCTestCase {
    typealias R = ReferenceKernels

    func testTheCheckRejectsAWrongRule() {
        // x^2 whose rule claims 3x: the check must fail loudly, or it proves nothing.
        let r = GradientCheck.run(shapes: [[5]], op: { x in
            let sq = withNoGrad { x[0] * x[0] }
            return Tensor.custom(name: "wrongSquare", inputs: [x[0]], output: sq) { g, inputs, _ in [g * inputs[0] * 3] }
        }, reference: { $0[0].map { $0 * $0 } })
        XCTAssertTrue(r.forwardMatches)
        XCTAssertGreaterThan(r.worstRatio, 10)
        // The directional form catches one wrong value among 513.
        let oneWrong = GradientCheck.directionalErrors(shapes: [[513]], op: { x in
            let sq = withNoGrad { x[0] * x[0] }
            return Tensor.custom(name: "oneWrong", inputs: [x[0]], output: sq) { g, inputs, _ in
                let d = withNoGrad { g * inputs[0] * 2 }.copy()
                d.withUnsafeMutableBufferPointer { $0[512] += 1 }
                return [d]
            }
        }, reference: { $0[0].map { $0 * $0 } })
        XCTAssertGreaterThan(oneWrong[0], 1e-3)
        // ... and accept the right one through the same path.
        GradientCheck.assertPasses(shapes: [[5]], op: { x in
            let sq = withNoGrad { x[0] * x[0] }
            return Tensor.custom(name: "square", inputs: [x[0]], output: sq) { g, inputs, _ in [g * inputs[0] * 2] }
        }, reference: { $0[0].map { $0 * $0 } })
    }

    func testBroadcastArithmetic() {
        let cases: [([Int], [Int])] = [([3, 4], [3, 4]), ([3, 4], [4]), ([2, 3, 4], [2, 3, 1]), ([3, 1], [2, 1, 4]), ([], [2, 3]), ([2, 1, 3], [2, 3])]
        for (sa, sb) in cases {
            GradientCheck.assertPasses(shapes: [sa, sb], op: { $0[0] + $0[1] }, reference: { broadcast($0[0], sa, $0[1], sb, +) })
            GradientCheck.assertPasses(shapes: [sa, sb], op: { $0[0] - $0[1] }, reference: { broadcast($0[0], sa, $0[1], sb, -) })
            GradientCheck.assertPasses(shapes: [sa, sb], op: { $0[0] * $0[1] }, reference: { broadcast($0[0], sa, $0[1], sb, *) })
            GradientCheck.assertPasses(shapes: [sa, sb], positive: true, op: { $0[0] / $0[1] }, reference: { broadcast($0[0], sa, $0[1], sb, /) })
        }
        GradientCheck.assertPasses(shapes: [[2, 5]], op: { 3 - $0[0] * 0.5 }, reference: { $0[0].map { 3 - $0 * 0.5 } })
    }

    func testMatmulAllTransposesAndBatches() {
        for ta in [false, true] {
            for tb in [false, true] {
                let (M, N, K) = (3, 5, 4)
                let sa = ta ? [K, M] : [M, K], sb = tb ? [N, K] : [K, N]
                GradientCheck.assertPasses(shapes: [sa, sb], op: { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) },
                                           reference: { R.matmul($0[0], $0[1], M: M, N: N, K: K, transposeA: ta, transposeB: tb) })
                // Batched with a per-batch b, and with one shared b.
                GradientCheck.assertPasses(shapes: [[2] + sa, [2] + sb], op: { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) },
                                           reference: { x in (0..<2).flatMap { i in
                                               R.matmul(Array(x[0][(i * M * K)..<((i + 1) * M * K)]), Array(x[1][(i * K * N)..<((i + 1) * K * N)]),
                                                        M: M, N: N, K: K, transposeA: ta, transposeB: tb) } })
                GradientCheck.assertPasses(shapes: [[2] + sa, sb], op: { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) },
                                           reference: { x in (0..<2).flatMap { i in
                                               R.matmul(Array(x[0][(i * M * K)..<((i + 1) * M * K)]), x[1],
                                                        M: M, N: N, K: K, transposeA: ta, transposeB: tb) } })
            }
        }
    }

    func testLinear() {
        GradientCheck.assertPasses(shapes: [[2, 3, 4], [5, 4], [5]], op: { linear($0[0], weight: $0[1], bias: $0[2]) },
                                   reference: { x in zip(R.matmul(x[0], x[1], M: 6, N: 5, K: 4, transposeB: true), (0..<30).map { x[2][$0 % 5] }).map(+) })
        GradientCheck.assertPasses(shapes: [[3, 4], [5, 4]], op: { linear($0[0], weight: $0[1]) },
                                   reference: { R.matmul($0[0], $0[1], M: 3, N: 5, K: 4, transposeB: true) })
    }

    func testReductions() {
        GradientCheck.assertPasses(shapes: [[3, 7]], op: { $0[0].sumLastAxis() }, reference: { rows($0[0], 7).map { $0.reduce(0, +) } })
        GradientCheck.assertPasses(shapes: [[3, 7]], op: { $0[0].meanLastAxis() }, reference: { rows($0[0], 7).map { $0.reduce(0, +) / 7 } })
        GradientCheck.assertPasses(shapes: [[3, 7]], op: { $0[0].maxLastAxis() }, reference: { rows($0[0], 7).map { $0.max()! } })
        GradientCheck.assertPasses(shapes: [[2, 3, 2]], op: { $0[0].sum() }, reference: { [$0[0].reduce(0, +)] })
        GradientCheck.assertPasses(shapes: [[2, 3, 2]], op: { $0[0].mean() }, reference: { [$0[0].reduce(0, +) / 12] })
    }

    func testShapeOps() {
        GradientCheck.assertPasses(shapes: [[2, 6]], op: { $0[0].reshaped([3, -1]) * $0[0].reshaped([3, 4]) }, reference: { $0[0].map { $0 * $0 } })
        GradientCheck.assertPasses(shapes: [[4, 3]], op: { $0[0].rows(1..<3) }, reference: { Array($0[0][3..<9]) })
        GradientCheck.assertPasses(shapes: [[2, 3, 4]], op: { $0[0].permuted([1, 2, 0]) }, reference: { permute($0[0], [2, 3, 4], [1, 2, 0]) })
        GradientCheck.assertPasses(shapes: [[2, 3, 4]], op: { $0[0].transposedLastTwo() }, reference: { permute($0[0], [2, 3, 4], [0, 2, 1]) })
        GradientCheck.assertPasses(shapes: [[2, 3], [2, 1], [2, 4]], op: { concat(lastAxis: $0) }, reference: { x in
            let a = rows(x[0], 3), b = rows(x[1], 1), c = rows(x[2], 4)
            return (0..<2).flatMap { (r: Int) -> [Double] in a[r] + b[r] + c[r] }
        })
        GradientCheck.assertPasses(shapes: [[3, 7]], op: { x in
            let parts = x[0].split(lastAxis: [2, 5])
            return parts[1] * 2 + parts[0].sumLastAxis().reshaped([3, 1])
        }, reference: { x in rows(x[0], 7).flatMap { r in r[2...].map { $0 * 2 + r[0] + r[1] } } })
    }

    func testAxisConcatAndNarrow() {
        GradientCheck.assertPasses(shapes: [[2, 2, 3], [2, 1, 3]], op: { concat($0, axis: 1) }, reference: { x in
            let a = rows(x[0], 6), b = rows(x[1], 3)
            return (0..<2).flatMap { (i: Int) -> [Double] in a[i] + b[i] }
        })
        GradientCheck.assertPasses(shapes: [[2, 3], [1, 3]], op: { concat($0, axis: 0) }, reference: { $0[0] + $0[1] })
        GradientCheck.assertPasses(shapes: [[2, 4, 3]], op: { $0[0].narrow(axis: 1, 1..<3) },
                                   reference: { x in rows(x[0], 12).flatMap { Array($0[3..<9]) } })
        GradientCheck.assertPasses(shapes: [[4, 3]], op: { $0[0].narrow(axis: 0, 2..<4) }, reference: { Array($0[0][6...]) })
        XCTAssertEqual(Tensor([1, 5, 5, 0, -1, -2], shape: [2, 3]).argmaxLastAxis(), [1, 0])
    }

    func testSoftmaxAndNorms() {
        GradientCheck.assertPasses(shapes: [[3, 6]], op: { $0[0].softmax() }, reference: { R.softmax($0[0], cols: 6) })
        GradientCheck.assertPasses(shapes: [[3, 6]], op: { $0[0].logSoftmax() }, reference: { R.logSoftmax($0[0], cols: 6) })
        GradientCheck.assertPasses(shapes: [[3, 6], [6], [6]], op: { layerNorm($0[0], weight: $0[1], bias: $0[2]) },
                                   reference: { R.layerNorm($0[0], weight: $0[1], bias: $0[2], cols: 6, eps: 1e-5) })
        GradientCheck.assertPasses(shapes: [[3, 6]], op: { layerNorm($0[0], weight: nil, bias: nil) },
                                   reference: { R.layerNorm($0[0], weight: nil, bias: nil, cols: 6, eps: 1e-5) })
        GradientCheck.assertPasses(shapes: [[3, 6], [6]], op: { rmsNorm($0[0], weight: $0[1]) },
                                   reference: { R.rmsNorm($0[0], weight: $0[1], cols: 6, eps: 1e-6) })
        GradientCheck.assertPasses(shapes: [[3, 6]], op: { rmsNorm($0[0], weight: nil) },
                                   reference: { R.rmsNorm($0[0], weight: nil, cols: 6, eps: 1e-6) })
    }

    func testActivations() {
        for f in [Activation.gelu, .geluTanh, .silu, .relu, .exp] {
            GradientCheck.assertPasses(shapes: [[4, 5]], op: { $0[0].activation(f) }, reference: { R.activation(f, $0[0]) })
        }
        GradientCheck.assertPasses(shapes: [[4, 5]], positive: true, op: { $0[0].log() }, reference: { R.activation(.log, $0[0]) })
        GradientCheck.assertPasses(shapes: [[3, 5], [3, 5]], op: { swiglu(gate: $0[0], up: $0[1]) },
                                   reference: { R.swiglu(gate: $0[0], up: $0[1]) })
    }

    /// Backward kernels at sizes that run their SIMD blocks and tails (1, 7, 33, 513).
    func testBackwardKernelsAtOddSizes() {
        for n in [1, 7, 33, 513] {
            let D = GradientCheck.self
            D.assertDirectionalPasses(shapes: [[3, n], [n], [n]], op: { layerNorm($0[0], weight: $0[1], bias: $0[2]) },
                                      reference: { R.layerNorm($0[0], weight: $0[1], bias: $0[2], cols: n, eps: 1e-5) })
            D.assertDirectionalPasses(shapes: [[3, n], [n]], op: { rmsNorm($0[0], weight: $0[1]) },
                                      reference: { R.rmsNorm($0[0], weight: $0[1], cols: n, eps: 1e-6) })
            D.assertDirectionalPasses(shapes: [[3, n]], op: { $0[0].softmax() }, reference: { R.softmax($0[0], cols: n) })
            D.assertDirectionalPasses(shapes: [[3, n]], op: { $0[0].logSoftmax() }, reference: { R.logSoftmax($0[0], cols: n) })
            for f in [Activation.gelu, .geluTanh, .silu, .exp] {
                D.assertDirectionalPasses(shapes: [[2, n]], op: { $0[0].activation(f) }, reference: { R.activation(f, $0[0]) })
            }
            D.assertDirectionalPasses(shapes: [[2, n], [2, n]], op: { swiglu(gate: $0[0], up: $0[1]) },
                                      reference: { R.swiglu(gate: $0[0], up: $0[1]) })
            let labels = [n - 1, ignoreIndex, n / 2]
            D.assertDirectionalPasses(shapes: [[3, n]], op: { crossEntropySum(logits: $0[0], labels: labels).sum.reshaped([1]) },
                                      reference: { [R.crossEntropySum(logits: $0[0], labels: labels, cols: n).sum] })
            D.assertDirectionalPasses(shapes: [[3, n], [n]], op: { $0[0] * $0[1] + $0[1] },
                                      reference: { x in broadcast(broadcast(x[0], [3, n], x[1], [n], *), [3, n], x[1], [n], +) })
        }
    }

    func testEmbeddingCrossEntropyDropout() {
        let ids = [2, 0, 2, 3]
        GradientCheck.assertPasses(shapes: [[4, 3]], op: { embedding(ids, table: $0[0]) }, reference: { R.embedding(ids, table: $0[0], cols: 3) })
        let labels = [1, -100, 4, 0]
        GradientCheck.assertPasses(shapes: [[4, 5]], op: { crossEntropySum(logits: $0[0], labels: labels).sum.reshaped([1]) },
                                   reference: { [R.crossEntropySum(logits: $0[0], labels: labels, cols: 5).sum] })
        GradientCheck.assertPasses(shapes: [[2, 2, 5]], op: { crossEntropy(logits: $0[0], labels: labels).reshaped([1]) },
                                   reference: { [R.crossEntropySum(logits: $0[0], labels: labels, cols: 5).sum / 3] })
        var maskRNG = SeededGenerator(seed: 99)
        var mask = [Float](repeating: 0, count: 12)
        dropoutMask(&mask, count: 12, p: 0.25, generator: &maskRNG)
        GradientCheck.assertPasses(shapes: [[3, 4]], op: { x in
            var rng = SeededGenerator(seed: 99)
            return x[0].dropout(p: 0.25, generator: &rng)
        }, reference: { zip($0[0], mask).map { $0 * Double($1) } })
    }
}

// MARK: Double references for the shape and broadcast ops

func rows(_ x: [Double], _ cols: Int) -> [[Double]] {
    stride(from: 0, to: x.count, by: cols).map { Array(x[$0..<($0 + cols)]) }
}

/// NumPy broadcasting of f over a (shape sa) and b (shape sb).
func broadcast(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int], _ f: (Double, Double) -> Double) -> [Double] {
    let rank = max(sa.count, sb.count)
    let pa = [Int](repeating: 1, count: rank - sa.count) + sa, pb = [Int](repeating: 1, count: rank - sb.count) + sb
    let out = (0..<rank).map { max(pa[$0], pb[$0]) }
    func flat(_ index: [Int], _ shape: [Int]) -> Int {
        var o = 0
        for i in 0..<rank { o = o * shape[i] + (shape[i] == 1 ? 0 : index[i]) }
        return o
    }
    return (0..<out.reduce(1, *)).map { o in
        var index = [Int](repeating: 0, count: rank), r = o
        for i in stride(from: rank - 1, through: 0, by: -1) { index[i] = r % out[i]; r /= out[i] }
        return f(a[flat(index, pa)], b[flat(index, pb)])
    }
}

/// x (shape) with axes permuted: result.shape[i] = shape[perm[i]].
func permute(_ x: [Double], _ shape: [Int], _ perm: [Int]) -> [Double] {
    let outShape = perm.map { shape[$0] }
    var strides = [Int](repeating: 1, count: shape.count)
    for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
    return (0..<x.count).map { o in
        var r = o, src = 0
        for i in stride(from: outShape.count - 1, through: 0, by: -1) { src += (r % outShape[i]) * strides[perm[i]]; r /= outShape[i] }
        return x[src]
    }
}
