import XCTest
@testable import Runtime
import TestSupport

final class LinearCrossEntropyTests: XCTestCase {
    func testMatchesTorchCrossEntropySumAndGradients() throws {
        let f = try KernelsFixture("linear_cross_entropy.json")
        let (N, C, V) = (f.int("N"), f.int("C"), f.int("V"))
        let hidden = f.floats("hidden"), weight = f.floats("weight"), labels = f.ints("labels")
        var dHidden = [Float](repeating: 0, count: N * C), dWeight = [Float](repeating: 0, count: V * C)
        // A chunk of 2 rows forces several chunks over the 6 supervised rows.
        let result = linearCrossEntropyFused(dHidden: &dHidden, dWeight: &dWeight, gradScale: 1, hidden: hidden,
                                             weight: weight, labels: labels, N: N, C: C, V: V, chunkRows: 2)
        XCTAssertEqual(result.count, labels.filter { $0 != -100 }.count)
        assertClose(result.lossSum, f.double("lossSum"), rtol: 1e-5)
        assertClose(dHidden, f.floats("dHidden"), rtol: 1e-4, atol: 1e-5)
        assertClose(dWeight, f.floats("dWeight"), rtol: 1e-4, atol: 1e-5)
    }

    func testFusedAndSplitPassesEqualReferenceOnOddSizes() {
        var rng = KernelsTestRNG(seed: 31)
        for (N, C, V, chunk) in [(1, 1, 1, 4), (7, 5, 33, 3), (33, 16, 513, 8), (9, 7, 1000, 1000)] {
            let hidden = rng.floats(N * C, scale: 3), weight = rng.floats(V * C)
            // Every third token ignored; labels cover 0 and V-1.
            let labels = (0..<N).map { i -> Int in i % 3 == 1 ? -100 : (i * 7919) % V }
            let scale: Float = 0.25
            let expected = linearCrossEntropyReference(hidden: hidden.map(Double.init), weight: weight.map(Double.init),
                                                       labels: labels, N: N, C: C, V: V, gradScale: Double(scale))
            let label = "N \(N) C \(C) V \(V) chunk \(chunk)"

            var dHidden = [Float](repeating: 1, count: N * C), dWeight = [Float](repeating: 1, count: V * C)
            let fused = linearCrossEntropyFused(dHidden: &dHidden, dWeight: &dWeight, gradScale: scale, hidden: hidden,
                                                weight: weight, labels: labels, N: N, C: C, V: V, chunkRows: chunk)
            XCTAssertEqual(fused.count, expected.count, label)
            assertClose(fused.lossSum, expected.lossSum, rtol: 1e-5, atol: 1e-5, label)
            assertClose(dHidden, expected.dHidden.map { $0 + 1 }, rtol: 1e-4, atol: 1e-5, "fused dHidden \(label)")
            assertClose(dWeight, expected.dWeight.map { $0 + 1 }, rtol: 1e-4, atol: 1e-5, "fused dWeight \(label)")

            var lse = [Float](repeating: .nan, count: N)
            let forward = linearCrossEntropyForward(&lse, hidden: hidden, weight: weight, labels: labels, N: N, C: C, V: V,
                                                    chunkRows: chunk)
            assertClose(forward.lossSum, expected.lossSum, rtol: 1e-5, atol: 1e-5, label)
            // A frozen head: only dHidden.
            var dHiddenOnly = [Float](repeating: 0, count: N * C)
            linearCrossEntropyBackward(dHidden: &dHiddenOnly, dWeight: nil, gradScale: scale, lse: lse, hidden: hidden,
                                       weight: weight, labels: labels, N: N, C: C, V: V, chunkRows: chunk)
            assertClose(dHiddenOnly, expected.dHidden, rtol: 1e-4, atol: 1e-5, "split dHidden \(label)")
            var dWeightOnly = [Float](repeating: 0, count: V * C)
            linearCrossEntropyBackward(dHidden: nil, dWeight: &dWeightOnly, gradScale: scale, lse: lse, hidden: hidden,
                                       weight: weight, labels: labels, N: N, C: C, V: V, chunkRows: chunk)
            assertClose(dWeightOnly, expected.dWeight, rtol: 1e-4, atol: 1e-5, "split dWeight \(label)")
        }
    }

    func testIgnoredTokensCostNothingAndAreUntouched() {
        var rng = KernelsTestRNG(seed: 32)
        let (N, C, V) = (4, 3, 5)
        let hidden = rng.floats(N * C), weight = rng.floats(V * C)
        var dHidden = [Float](repeating: 7, count: N * C)
        let allIgnored = [Int](repeating: -100, count: N)
        let none = linearCrossEntropyFused(dHidden: &dHidden, dWeight: nil, gradScale: 1, hidden: hidden, weight: weight,
                                           labels: allIgnored, N: N, C: C, V: V)
        XCTAssertEqual(none, CrossEntropySum(lossSum: 0, count: 0))
        XCTAssertEqual(dHidden, [Float](repeating: 7, count: N * C))
        // With one supervised row, the other rows' gradients stay as they were.
        let oneLabel: [Int] = [-100, 2, -100, -100]
        _ = linearCrossEntropyFused(dHidden: &dHidden, dWeight: nil, gradScale: 1, hidden: hidden, weight: weight,
                                    labels: oneLabel, N: N, C: C, V: V)
        for row in [0, 2, 3] { XCTAssertEqual(Array(dHidden[(row * C)..<(row * C + C)]), [7, 7, 7]) }
        XCTAssertNotEqual(Array(dHidden[C..<(2 * C)]), [7, 7, 7])
    }

    func testStableWithHugeLogits() {
        // Logits around 1e4 overflow a naive exp; the max-subtracted form gives the exact answer.
        let (N, C, V) = (1, 1, 3)
        let hidden: [Float] = [100], weight: [Float] = [100, 99, 0]
        let result = linearCrossEntropyForward(nil, hidden: hidden, weight: weight, labels: [1], N: N, C: C, V: V)
        let expected = log(1 + exp(-100.0) + exp(-10000.0)) + 100  // lse - logit[1], logits 1e4, 9900, 0
        assertClose(result.lossSum, expected, rtol: 1e-6)
    }

    func testReferenceBackwardPassesFloat64GradientCheck() {
        var rng = KernelsTestRNG(seed: 33)
        let (N, C, V) = (3, 4, 6)
        let hidden = rng.floats(N * C).map(Double.init), weight = rng.floats(V * C).map(Double.init)
        let labels: [Int] = [5, -100, 0]
        let analytic = linearCrossEntropyReference(hidden: hidden, weight: weight, labels: labels, N: N, C: C, V: V)
        let dHidden = centralDifferenceGradient(at: hidden) {
            linearCrossEntropyReference(hidden: $0, weight: weight, labels: labels, N: N, C: C, V: V).lossSum
        }
        let dWeight = centralDifferenceGradient(at: weight) {
            linearCrossEntropyReference(hidden: hidden, weight: $0, labels: labels, N: N, C: C, V: V).lossSum
        }
        XCTAssertLessThan(gradientMismatch(analytic.dHidden, dHidden), 1e-8)
        XCTAssertLessThan(gradientMismatch(analytic.dWeight, dWeight), 1e-8)
    }
}
