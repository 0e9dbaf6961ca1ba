import Foundation
import XCTest
@testable import Runtime
import TestSupport

final class AttentionTests: XCTestCase {
    private struct Case {
        let B: Int, T: Int, nHead: Int, nKV: Int, headDim: Int
        let sequenceIds: [Int]?
    }

    private func forward(_ c: Case, _ q: [Float], _ k: [Float], _ v: [Float]) -> (out: [Float], lse: [Float]) {
        var out = [Float](repeating: .nan, count: q.count)
        var lse = [Float](repeating: .nan, count: c.B * c.nHead * c.T)
        withOptionalPointer(c.sequenceIds) { ids in
            attentionForward(&out, &lse, q, k, v, sequenceIds: ids, B: c.B, T: c.T, nHead: c.nHead, nKV: c.nKV,
                             headDim: c.headDim)
        }
        return (out, lse)
    }

    /// Backward from gradients that start at `initial` (to show it accumulates).
    private func backward(_ c: Case, _ dOut: [Float], _ q: [Float], _ k: [Float], _ v: [Float], _ lse: [Float],
                          initial: Float = 0) -> (dq: [Float], dk: [Float], dv: [Float]) {
        var dq = [Float](repeating: initial, count: q.count)
        var dk = [Float](repeating: initial, count: k.count), dv = [Float](repeating: initial, count: v.count)
        withOptionalPointer(c.sequenceIds) { ids in
            attentionBackward(&dq, &dk, &dv, dOut, q, k, v, lse, sequenceIds: ids, B: c.B, T: c.T, nHead: c.nHead,
                              nKV: c.nKV, headDim: c.headDim)
        }
        return (dq, dk, dv)
    }

    func testMatchesTorchOnPackedGroupedQueryBatch() throws {
        let f = try KernelsFixture("attention_packed_gqa.json")
        let c = Case(B: f.int("B"), T: f.int("T"), nHead: f.int("nHead"), nKV: f.int("nKV"), headDim: f.int("headDim"),
                     sequenceIds: f.ints("sequenceIds"))
        let (q, k, v) = (f.floats("q"), f.floats("k"), f.floats("v"))
        let (out, lse) = forward(c, q, k, v)
        assertClose(out, f.floats("out"), rtol: 1e-4, atol: 1e-5)
        let grads = backward(c, f.floats("dOut"), q, k, v, lse)
        assertClose(grads.dq, f.floats("dq"), rtol: 1e-4, atol: 1e-5)
        assertClose(grads.dk, f.floats("dk"), rtol: 1e-4, atol: 1e-5)
        assertClose(grads.dv, f.floats("dv"), rtol: 1e-4, atol: 1e-5)
    }

    func testFastEqualsReferenceOnOddSizesAndPackedMasks() {
        var rng = KernelsTestRNG(seed: 21)
        let cases = [
            Case(B: 1, T: 1, nHead: 1, nKV: 1, headDim: 1, sequenceIds: nil),
            Case(B: 2, T: 7, nHead: 4, nKV: 2, headDim: 7, sequenceIds: nil),
            Case(B: 2, T: 7, nHead: 3, nKV: 1, headDim: 8, sequenceIds: [0, 0, 1, 1, 1, 2, 2, 4, 4, 4, 4, 4, -1, -1]),
            // Crosses row blocks (64): packed sequences of 20 tokens, and a sequence id that recurs.
            Case(B: 1, T: 129, nHead: 2, nKV: 2, headDim: 5,
                 sequenceIds: (0..<129).map { $0 < 120 ? $0 / 20 : 0 }),
            Case(B: 1, T: 33, nHead: 6, nKV: 3, headDim: 16, sequenceIds: nil),
            Case(B: 1, T: 513, nHead: 2, nKV: 1, headDim: 3, sequenceIds: (0..<513).map { $0 / 200 }),
        ]
        for c in cases {
            let q = rng.floats(c.B * c.T * c.nHead * c.headDim, scale: 2)
            let k = rng.floats(c.B * c.T * c.nKV * c.headDim, scale: 2)
            let v = rng.floats(k.count)
            let dOut = rng.floats(q.count)
            let label = "B \(c.B) T \(c.T) heads \(c.nHead)/\(c.nKV) hd \(c.headDim) packed \(c.sequenceIds != nil)"
            let (out, lse) = forward(c, q, k, v)
            let reference = attentionReferenceForward(q: q.map(Double.init), k: k.map(Double.init), v: v.map(Double.init),
                                                      sequenceIds: c.sequenceIds, B: c.B, T: c.T, nHead: c.nHead,
                                                      nKV: c.nKV, headDim: c.headDim)
            assertClose(out, reference.out, rtol: 1e-4, atol: 1e-5, "out \(label)")
            assertClose(lse, reference.lse, rtol: 1e-5, atol: 1e-5, "lse \(label)")
            let grads = backward(c, dOut, q, k, v, lse, initial: 0.5)
            let expected = attentionReferenceBackward(dOut: dOut.map(Double.init), q: q.map(Double.init),
                                                      k: k.map(Double.init), v: v.map(Double.init),
                                                      sequenceIds: c.sequenceIds, B: c.B, T: c.T, nHead: c.nHead,
                                                      nKV: c.nKV, headDim: c.headDim)
            assertClose(grads.dq, expected.dq.map { $0 + 0.5 }, rtol: 1e-4, atol: 1e-4, "dq \(label)")
            assertClose(grads.dk, expected.dk.map { $0 + 0.5 }, rtol: 1e-4, atol: 1e-4, "dk \(label)")
            assertClose(grads.dv, expected.dv.map { $0 + 0.5 }, rtol: 1e-4, atol: 1e-4, "dv \(label)")
        }
    }

    func testPackedSequencesDoNotSeeEachOther() {
        // Packing [a | b] must give b the same output as running b alone.
        var rng = KernelsTestRNG(seed: 22)
        let (nHead, nKV, hd, ta, tb) = (2, 1, 4, 3, 5)
        let q = rng.floats((ta + tb) * nHead * hd), k = rng.floats((ta + tb) * nKV * hd), v = rng.floats(k.count)
        let packed = forward(Case(B: 1, T: ta + tb, nHead: nHead, nKV: nKV, headDim: hd,
                                  sequenceIds: [Int](repeating: 0, count: ta) + [Int](repeating: 1, count: tb)), q, k, v)
        let alone = forward(Case(B: 1, T: tb, nHead: nHead, nKV: nKV, headDim: hd, sequenceIds: nil),
                            Array(q[(ta * nHead * hd)...]), Array(k[(ta * nKV * hd)...]), Array(v[(ta * nKV * hd)...]))
        assertClose(Array(packed.out[(ta * nHead * hd)...]), alone.out, rtol: 1e-6, atol: 1e-6)
    }

    func testBackwardPassesFloat64GradientCheck() {
        var rng = KernelsTestRNG(seed: 23)
        let c = Case(B: 1, T: 5, nHead: 2, nKV: 1, headDim: 3, sequenceIds: [0, 0, 1, 1, 1])
        let q = rng.floats(c.T * c.nHead * c.headDim).map(Double.init)
        let k = rng.floats(c.T * c.nKV * c.headDim).map(Double.init), v = rng.floats(k.count).map(Double.init)
        let dOut = rng.floats(q.count).map(Double.init)
        func loss(_ q: [Double], _ k: [Double], _ v: [Double]) -> Double {
            weightedSum(dOut, attentionReferenceForward(q: q, k: k, v: v, sequenceIds: c.sequenceIds, B: c.B, T: c.T,
                                                        nHead: c.nHead, nKV: c.nKV, headDim: c.headDim).out)
        }
        let analytic = attentionReferenceBackward(dOut: dOut, q: q, k: k, v: v, sequenceIds: c.sequenceIds, B: c.B,
                                                  T: c.T, nHead: c.nHead, nKV: c.nKV, headDim: c.headDim)
        XCTAssertLessThan(gradientMismatch(analytic.dq, centralDifferenceGradient(at: q) { loss($0, k, v) }), 1e-8)
        XCTAssertLessThan(gradientMismatch(analytic.dk, centralDifferenceGradient(at: k) { loss(q, $0, v) }), 1e-8)
        XCTAssertLessThan(gradientMismatch(analytic.dv, centralDifferenceGradient(at: v) { loss(q, k, $0) }), 1e-8)
    }

    func testVectorExpIsAccurateAndZeroForMaskedScores() {
        var worst = 0.0
        for i in 0..<20_000 {
            let x = -87 + Float(i) * (175 / 20_000)  // up to 88
            let e = vectorExp(SIMD8(repeating: x))[0]
            worst = max(worst, abs(Double(e) - Foundation.exp(Double(x))) / Foundation.exp(Double(x)))
        }
        XCTAssertLessThan(worst, 5e-7)
        XCTAssertEqual(vectorExp(SIMD8(repeating: -.infinity)), SIMD8(repeating: 0))
    }

    func testDecodeEqualsLastRowOfTheFullForward() {
        var rng = KernelsTestRNG(seed: 24)
        for (B, length, capacity, nHead, nKV, hd) in [(1, 1, 4, 1, 1, 8), (2, 7, 9, 4, 2, 7), (1, 33, 40, 6, 3, 64)] {
            let c = Case(B: B, T: length, nHead: nHead, nKV: nKV, headDim: hd, sequenceIds: nil)
            let q = rng.floats(B * length * nHead * hd, scale: 2)
            let k = rng.floats(B * length * nKV * hd, scale: 2), v = rng.floats(k.count)
            let full = forward(c, q, k, v).out
            // The cache holds `capacity` positions per batch row; only the first `length` are filled.
            var kCache = [Float](repeating: .nan, count: B * capacity * nKV * hd), vCache = kCache
            var lastQ = [Float](), expected = [Float]()
            let row = nKV * hd
            for b in 0..<B {
                for t in 0..<length {
                    for i in 0..<row {
                        kCache[(b * capacity + t) * row + i] = k[(b * length + t) * row + i]
                        vCache[(b * capacity + t) * row + i] = v[(b * length + t) * row + i]
                    }
                }
                let last = (b * length + length - 1) * nHead * hd
                lastQ += q[last..<(last + nHead * hd)]
                expected += full[last..<(last + nHead * hd)]
            }
            var out = [Float](repeating: .nan, count: B * nHead * hd)
            attentionDecode(&out, lastQ, kCache: kCache, vCache: vCache, B: B, length: length, capacity: capacity,
                            nHead: nHead, nKV: nKV, headDim: hd)
            assertClose(out, expected, rtol: 1e-4, atol: 1e-5, "B \(B) length \(length)")
        }
    }
}

/// Calls body with a pointer to the array's elements, or nil when there is no array.
func withOptionalPointer<R>(_ array: [Int]?, _ body: (UnsafePointer<Int>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
