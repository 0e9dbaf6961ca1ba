import Foundation
@testable import Runtime
import TestSupport
import XCTest

/// The fused kernels wrapped as ops against their composed slow twins (which pass the float64
/// gradient checks): values and gradients of a random projection of the output.
final class FusedOpsTests: XCTestCase {
    private func random(_ shape: [Int], _ g: inout SeededGenerator) -> Tensor {
        let t = Tensor.randn(shape, generator: &g)
        t.requiresGrad = true
        return t
    }

    /// Values of `fused` and `composed` over `inputs`, then gradients of sum(out * r).
    private func assertSameOpAndGradients(_ inputs: [Tensor], fused: ([Tensor]) -> Tensor, composed: ([Tensor]) -> Tensor,
                                          rtol: Double = 1e-4, atol: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        var g = SeededGenerator(seed: 11)
        let a = fused(inputs), b = composed(inputs)
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        assertClose(a.scalars, b.scalars, rtol: rtol, atol: atol, "values", file: file, line: line)
        let r = Tensor.randn(a.shape, generator: &g)
        let ga = (a * r).sum().backward(), gb = (b * r).sum().backward()
        for (i, x) in inputs.enumerated() {
            assertClose(ga[x]!.scalars, gb[x]!.scalars, rtol: rtol, atol: atol, "gradient of input \(i)", file: file, line: line)
        }
    }

    func testFusedAttentionEqualsComposed() {
        var g = SeededGenerator(seed: 1)
        for (B, T, nH, nKV, hd, ids) in [(2, 7, 4, 2, 8, nil as [Int]?), (1, 33, 3, 1, 16, nil), (1, 1, 2, 2, 4, nil),
                                          (2, 5, 4, 4, 8, [0, 0, 1, 1, 1, 7, 7, 7, 8, 9])] {
            let q = random([B, T, nH, hd], &g), k = random([B, T, nKV, hd], &g), v = random([B, T, nKV, hd], &g)
            assertSameOpAndGradients([q, k, v], fused: { fusedCausalAttention(q: $0[0], k: $0[1], v: $0[2], sequenceIds: ids) },
                                     composed: { composedCausalAttention(q: $0[0], k: $0[1], v: $0[2], sequenceIds: ids) })
        }
    }

    func testDecodeAttentionEqualsComposedWithCachedKeys() {
        var g = SeededGenerator(seed: 2)
        let (past, nH, nKV, hd) = (9, 6, 2, 8)
        let q = Tensor.randn([1, 1, nH, hd], generator: &g)
        let keys = Tensor.randn([1, past + 1, nKV, hd], generator: &g), values = Tensor.randn([1, past + 1, nKV, hd], generator: &g)
        assertClose(decodeAttention(q: q, keys: keys, values: values).scalars,
                    composedCausalAttention(q: q, k: keys, v: values, past: past).scalars, rtol: 1e-5, atol: 1e-6)
    }

    func testFusedRotaryEqualsComposed() {
        var g = SeededGenerator(seed: 3)
        let (B, T, H, D) = (2, 5, 3, 8)
        let positions = [0, 1, 2, 3, 4, 0, 1, 0, 1, 2]  // packed: positions restart per example
        let frequencies = ropeInverseFrequencies(headDim: D, theta: 10000, scaling: nil)
        let tables = RotaryTables(positions: positions, headDim: D, inverseFrequencies: frequencies)
        let x = random([B, T, H, D], &g)
        assertSameOpAndGradients([x], fused: { fusedRotary($0[0], positions: positions, inverseFrequencies: frequencies.map { Float($0) }) },
                                 composed: { applyRotary($0[0], tables) }, rtol: 1e-5, atol: 1e-6)
    }

    func testFusedLinearCrossEntropyEqualsLogitsThenCrossEntropy() {
        var g = SeededGenerator(seed: 4)
        let (N, C, V) = (13, 8, 37)
        let labels = (0..<N).map { $0 % 4 == 1 ? -100 : ($0 * 7) % V }
        let hidden = random([N, C], &g), weight = random([V, C], &g)
        let fused = linearCrossEntropySum(hidden: hidden, weight: weight, labels: labels)
        let composed = crossEntropySum(logits: matmul(hidden, weight, transposeB: true), labels: labels)
        XCTAssertEqual(fused.count, composed.count)
        assertClose(fused.sum.item, composed.sum.item, rtol: 1e-5)
        let ga = (fused.sum * 0.5).backward(), gb = (composed.sum * 0.5).backward()
        assertClose(ga[hidden]!.scalars, gb[hidden]!.scalars, rtol: 1e-4, atol: 1e-6)
        assertClose(ga[weight]!.scalars, gb[weight]!.scalars, rtol: 1e-4, atol: 1e-6)
    }

    func testFrozenHeadGetsNoGradient() {
        var g = SeededGenerator(seed: 5)
        let hidden = random([4, 6], &g), weight = Tensor.randn([9, 6], generator: &g)
        let grads = linearCrossEntropySum(hidden: hidden, weight: weight, labels: [1, -100, 8, 0]).sum.backward()
        XCTAssertNotNil(grads[hidden])
        XCTAssertNil(grads[weight])
    }

    /// A whole tiny Llama (GQA, packed rows): loss and every parameter gradient, fused == composed.
    func testTinyLlamaFusedEqualsComposed() throws {
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(#"{"model_type": "llama", "vocab_size": 61, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-5}"#.utf8))
        let model = try XCTUnwrap(makeCausalLM(config: config, seed: 7) as? LlamaModel)
        let input = ModelInput(ids: (0..<16).map { ($0 * 5) % 61 }, batch: 2, length: 8,
                               positions: [0, 1, 2, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7],
                               sequenceIds: [0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2])
        let labels = input.ids.enumerated().map { $0.offset % 5 == 0 ? -100 : $0.element }
        func run() -> (Float, [String: [Float]]) {
            let loss = model.loss(input, labels: labels)
            let grads = loss.sum.backward()
            return (loss.sum.item, Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.0, grads[$0.1]!.scalars) }))
        }
        let (fusedLoss, fusedGrads) = run()
        model.kernels = .composed
        let (composedLoss, composedGrads) = run()
        assertClose(fusedLoss, composedLoss, rtol: 1e-5)
        for (name, grad) in fusedGrads { assertClose(grad, composedGrads[name]!, rtol: 1e-3, atol: 1e-5, name) }
    }
}
