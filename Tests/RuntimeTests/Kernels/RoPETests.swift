import XCTest
@testable import Runtime
import TestSupport

final class RoPETests: XCTestCase {
    private func fastForward(_ x: [Float], _ positions: [Int], _ frequencies: [Float],
                             _ B: Int, _ T: Int, _ nHead: Int, _ headDim: Int, _ layout: RoPELayout) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        ropeForward(&out, x, positions: positions, inverseFrequencies: frequencies, B: B, T: T, nHead: nHead,
                    headDim: headDim, layout: layout)
        return out
    }

    func testLlama3InverseFrequenciesMatchTransformers() throws {
        let fixture = try KernelsFixture("rope.json")
        let scaling = fixture.values["llama3"] as! [String: NSNumber]
        let frequencies = ropeInverseFrequencies(
            rotaryDim: fixture.int("headDim"), theta: scaling["rope_theta"]!.doubleValue,
            llama3: RoPELlama3Scaling(factor: scaling["factor"]!.doubleValue,
                                      lowFreqFactor: scaling["low_freq_factor"]!.doubleValue,
                                      highFreqFactor: scaling["high_freq_factor"]!.doubleValue,
                                      originalMaxPositionEmbeddings: scaling["original_max_position_embeddings"]!.intValue))
        assertClose(frequencies, fixture.floats("llama3InverseFrequencies"), rtol: 1e-6, atol: 0)
        let unscaled = ropeInverseFrequencies(rotaryDim: 16, theta: fixture.double("interleavedTheta"))
        assertClose(unscaled, fixture.floats("interleavedInverseFrequencies"), rtol: 1e-6, atol: 0)
    }

    func testBothLayoutsMatchTransformersIncludingLargePositions() throws {
        let fixture = try KernelsFixture("rope.json")
        let (B, T, nHead, headDim) = (fixture.int("B"), fixture.int("T"), fixture.int("nHead"), fixture.int("headDim"))
        let x = fixture.floats("x"), positions = fixture.ints("positions")
        let half = fastForward(x, positions, fixture.floats("llama3InverseFrequencies"), B, T, nHead, headDim, .halfRotation)
        assertClose(half, fixture.floats("halfOut"), rtol: 1e-5, atol: 2e-5)
        let interleaved = fastForward(x, positions, fixture.floats("interleavedInverseFrequencies"), B, T, nHead, headDim,
                                      .interleaved)
        assertClose(interleaved, fixture.floats("interleavedOut"), rtol: 1e-5, atol: 2e-5)
    }

    func testFastEqualsReferenceOnOddSizesWithRestartingPositions() {
        var rng = KernelsTestRNG(seed: 11)
        for (B, T, nHead, headDim) in [(1, 1, 1, 2), (2, 7, 3, 6), (1, 33, 2, 64), (1, 513, 1, 8)] {
            let x = rng.floats(B * T * nHead * headDim)
            // Packed rows: positions restart every 5 tokens.
            let positions = (0..<(B * T)).map { $0 % T % 5 }
            let frequencies = ropeInverseFrequencies(rotaryDim: headDim, theta: 10000)
            for layout in [RoPELayout.halfRotation, .interleaved] {
                let fast = fastForward(x, positions, frequencies, B, T, nHead, headDim, layout)
                let reference = ropeReference(x, positions: positions, inverseFrequencies: frequencies, B: B, T: T,
                                              nHead: nHead, headDim: headDim, layout: layout)
                assertClose(fast, reference, rtol: 1e-6, atol: 1e-6, "forward \(layout) T \(T)")
                // Backward accumulates: start from ones.
                var dx = [Float](repeating: 1, count: x.count)
                ropeBackward(&dx, x, positions: positions, inverseFrequencies: frequencies, B: B, T: T, nHead: nHead,
                             headDim: headDim, layout: layout)
                let transposed = ropeReference(x, positions: positions, inverseFrequencies: frequencies, B: B, T: T,
                                               nHead: nHead, headDim: headDim, layout: layout, transpose: true)
                assertClose(dx, transposed.map { $0 + 1 }, rtol: 1e-6, atol: 1e-6, "backward \(layout) T \(T)")
            }
        }
    }

    func testPartialRotaryRotatesOnlyTheFirstDimensions() {
        var rng = KernelsTestRNG(seed: 14)
        let (B, T, nHead, headDim, rotaryDim) = (1, 3, 2, 10, 6)
        let x = rng.floats(B * T * nHead * headDim)
        let positions: [Int] = [0, 5, 9]
        let frequencies = ropeInverseFrequencies(rotaryDim: rotaryDim, theta: 10000)
        for layout in [RoPELayout.halfRotation, .interleaved] {
            var out = [Float](repeating: .nan, count: x.count)
            ropeForward(&out, x, positions: positions, inverseFrequencies: frequencies, B: B, T: T, nHead: nHead,
                        headDim: headDim, rotaryDim: rotaryDim, layout: layout)
            let reference = ropeReference(x, positions: positions, inverseFrequencies: frequencies, B: B, T: T,
                                          nHead: nHead, headDim: headDim, rotaryDim: rotaryDim, layout: layout)
            assertClose(out, reference, rtol: 1e-6, atol: 1e-6, "\(layout)")
            // Each head's first rotaryDim values equal a full rope over just those values.
            let head0 = Array(x[0..<rotaryDim])
            let full = ropeReference(head0, positions: [0], inverseFrequencies: frequencies, B: 1, T: 1, nHead: 1,
                                     headDim: rotaryDim, layout: layout)
            assertClose(Array(out[0..<rotaryDim]), full, rtol: 1e-6, atol: 1e-6)
            for token in 0..<(T * nHead) {
                let tail = (token * headDim + rotaryDim)..<((token + 1) * headDim)
                XCTAssertEqual(Array(out[tail]), Array(x[tail]), "pass-through part of head \(token)")
            }
            var dx = [Float](repeating: 1, count: x.count)
            ropeBackward(&dx, x, positions: positions, inverseFrequencies: frequencies, B: B, T: T, nHead: nHead,
                         headDim: headDim, rotaryDim: rotaryDim, layout: layout)
            let transposed = ropeReference(x, positions: positions, inverseFrequencies: frequencies, B: B, T: T,
                                           nHead: nHead, headDim: headDim, rotaryDim: rotaryDim, layout: layout,
                                           transpose: true)
            assertClose(dx, transposed.map { $0 + 1 }, rtol: 1e-6, atol: 1e-6, "backward \(layout)")
        }
    }

    func testForwardInPlace() {
        var rng = KernelsTestRNG(seed: 12)
        var x = rng.floats(2 * 3 * 2 * 8)
        let positions: [Int] = [0, 1, 2, 9, 3, 0]
        let frequencies = ropeInverseFrequencies(rotaryDim: 8, theta: 10000)
        let expected = fastForward(x, positions, frequencies, 2, 3, 2, 8, .halfRotation)
        x.withUnsafeMutableBufferPointer { p in
            ropeForward(p.baseAddress!, p.baseAddress!, positions: positions, inverseFrequencies: frequencies,
                        B: 2, T: 3, nHead: 2, headDim: 8, layout: .halfRotation)
        }
        XCTAssertEqual(x, expected)
    }

    func testBackwardPassesFloat64GradientCheck() {
        var rng = KernelsTestRNG(seed: 13)
        let (B, T, nHead, headDim) = (2, 3, 2, 6)
        let x = rng.floats(B * T * nHead * headDim).map(Double.init)
        let dOut = rng.floats(x.count).map(Double.init)
        let positions: [Int] = [0, 1, 2, 0, 1, 40]
        let frequencies = ropeInverseFrequencies(rotaryDim: headDim, theta: 10000)
        for layout in [RoPELayout.halfRotation, .interleaved] {
            let numeric = centralDifferenceGradient(at: x) {
                weightedSum(dOut, ropeReference($0, positions: positions, inverseFrequencies: frequencies, B: B, T: T,
                                                nHead: nHead, headDim: headDim, layout: layout))
            }
            let analytic = ropeReference(dOut, positions: positions, inverseFrequencies: frequencies, B: B, T: T,
                                         nHead: nHead, headDim: headDim, layout: layout, transpose: true)
            XCTAssertLessThan(gradientMismatch(analytic, numeric), 1e-8, "\(layout)")
        }
    }
}
