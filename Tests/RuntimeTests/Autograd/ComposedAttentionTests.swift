import Foundation
import Runtime
import TestSupport
import XCTest

/// Attention from its definition in Double loops: q [B, T, nH, hd], k/v [B, T, nKV, hd].
private func referenceAttention(_ q: [Double], _ k: [Double], _ v: [Double], B: Int, T: Int, nH: Int, nKV: Int, hd: Int,
                                sequenceIds: [Int]?) -> [Double] {
    var out = [Double](repeating: 0, count: B * T * nH * hd)
    for b in 0..<B {
        for h in 0..<nH {
            let kvh = h / (nH / nKV)
            for i in 0..<T {
                let visible = (0...i).filter { j in sequenceIds.map { $0[b * T + i] == $0[b * T + j] } ?? true }
                let scores = visible.map { j in
                    (0..<hd).map { q[((b * T + i) * nH + h) * hd + $0] * k[((b * T + j) * nKV + kvh) * hd + $0] }.reduce(0, +)
                        / Double(hd).squareRoot()
                }
                let m = scores.max()!
                let e = scores.map { exp($0 - m) }
                let s = e.reduce(0, +)
                for (p, j) in zip(e, visible) {
                    for d in 0..<hd { out[((b * T + i) * nH + h) * hd + d] += p / s * v[((b * T + j) * nKV + kvh) * hd + d] }
                }
            }
        }
    }
    return out
}

final class ComposedAttentionTests: XCTestCase {
    let (B, T, hd) = (2, 4, 3)

    func testGroupedQueryAttentionGradients() {
        for (nH, nKV) in [(2, 2), (4, 2), (3, 1)] {
            GradientCheck.assertPasses(shapes: [[B, T, nH, hd], [B, T, nKV, hd], [B, T, nKV, hd]],
                                       op: { composedCausalAttention(q: $0[0], k: $0[1], v: $0[2]) },
                                       reference: { referenceAttention($0[0], $0[1], $0[2], B: B, T: T, nH: nH, nKV: nKV, hd: hd, sequenceIds: nil) })
        }
    }

    /// Against transformers' Llama path (repeat_kv + SDPA causal), Tests/Fixtures/tensor/attention.json.
    func testMatchesTorchRepeatKVAndSDPA() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL("tensor/attention.json"))) as! [String: Any]
        func floats(_ key: String) -> [Float] { (json[key] as! [Double]).map(Float.init) }
        let s = json["shape"] as! [Int]
        let (B, T, nH, nKV, hd) = (s[0], s[1], s[2], s[3], s[4])
        let q = Tensor(floats("q"), shape: [B, T, nH, hd], requiresGrad: true)
        let k = Tensor(floats("k"), shape: [B, T, nKV, hd], requiresGrad: true)
        let v = Tensor(floats("v"), shape: [B, T, nKV, hd], requiresGrad: true)
        let out = composedCausalAttention(q: q, k: k, v: v)
        assertClose(out.scalars, floats("out"), rtol: 1e-5, atol: 1e-6)
        let grads = (out * Tensor(floats("r"), shape: out.shape)).sum().backward()
        assertClose(grads[q]!.scalars, floats("grad_q"), rtol: 1e-4, atol: 1e-5)
        assertClose(grads[k]!.scalars, floats("grad_k"), rtol: 1e-4, atol: 1e-5)
        assertClose(grads[v]!.scalars, floats("grad_v"), rtol: 1e-4, atol: 1e-5)
    }

    func testPackedSequencesGradients() {
        let ids = [0, 0, 1, 1, 5, 5, 5, 6]
        GradientCheck.assertPasses(shapes: [[B, T, 4, hd], [B, T, 2, hd], [B, T, 2, hd]],
                                   op: { composedCausalAttention(q: $0[0], k: $0[1], v: $0[2], sequenceIds: ids) },
                                   reference: { referenceAttention($0[0], $0[1], $0[2], B: B, T: T, nH: 4, nKV: 2, hd: hd, sequenceIds: ids) })
    }

    func testPackedSequencesDoNotSeeEachOther() {
        var g = SeededGenerator(seed: 3)
        let q = Tensor.randn([1, 4, 2, hd], generator: &g), v = Tensor.randn([1, 4, 2, hd], generator: &g)
        let k = Tensor.randn([1, 4, 2, hd], generator: &g)
        let ids = [0, 0, 1, 1]
        let before = composedCausalAttention(q: q, k: k, v: v, sequenceIds: ids).scalars
        // Change the values of sequence 0's tokens: sequence 1's outputs must not move.
        let v2 = v.copy()
        v2.withUnsafeMutableBufferPointer { for i in 0..<(2 * 2 * hd) { $0[i] += 10 } }
        let after = composedCausalAttention(q: q, k: k, v: v2, sequenceIds: ids).scalars
        let half = 2 * 2 * hd
        XCTAssertEqual(Array(after[half...]), Array(before[half...]))
        XCTAssertNotEqual(Array(after[..<half]), Array(before[..<half]))
        // The first token of a packed sequence sees only itself: its output is its own value.
        assertClose(Array(after[half..<(half + 2 * hd)]), Array(v.scalars[half..<(half + 2 * hd)]), rtol: 1e-6)
    }
}
