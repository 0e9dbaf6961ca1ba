import Foundation
import Runtime
import TestSupport
import XCTest

/// SmolLM2 with its GGUF blocks kept packed (`model load ... weights=packed`): decode multiplies
/// the Q4_1 projections and the Q8_0 head straight from their blocks, with activations quantized
/// to int16 per block of 32, so its logits differ slightly from the Float32 model's (which equal
/// transformers'). Measured: at most 0.0064 over 24 decode steps, logits spanning ~40; with int8
/// activations (llama.cpp's choice) it was 1.6 and a greedy token flipped.
final class SmolLM2PackedTests: XCTestCase {
    nonisolated(unsafe) private static let packed: Result<any CausalLM, any Error> = Result {
        try loadCausalLMKeepingQuantizedWeights(ModelCheckpoint.load(from: SmolLM2.url)).model
    }

    private func reference() throws -> SmolLM2EndToEndTests.Reference {
        try JSONDecoder().decode(SmolLM2EndToEndTests.Reference.self, from: Data(contentsOf: fixtureURL("smollm2/reference.json")))
    }

    func testDecodeLogitsFollowTheFloat32ModelWithinAHundredth() throws {
        let smol = try SmolLM2.load(), packed = try Self.packed.get()
        XCTAssertNotNil(packed.packedHead, "the Q8_0 head should stay packed")
        for c in try reference().cases {
            let floatCache = KVCache(config: smol.model.config, capacity: 256), packedCache = KVCache(config: packed.config, capacity: 256)
            var expected = withNoGrad { nextTokenLogits(smol.model, tokens: c.ids, cache: floatCache) }
            var actual = withNoGrad { nextTokenLogits(packed, tokens: c.ids, cache: packedCache) }
            // Teacher-forced along transformers' answer, so both see the same tokens.
            for (step, token) in c.generated.prefix(8).enumerated() {
                assertClose(actual, expected, rtol: 0, atol: 0.02, "\(c.prompt), step \(step)")
                expected = withNoGrad { nextTokenLogits(smol.model, tokens: [token], cache: floatCache) }
                actual = withNoGrad { nextTokenLogits(packed, tokens: [token], cache: packedCache) }
            }
        }
    }

    func testGreedyAnswersStillMatchTransformers() throws {
        let smol = try SmolLM2.load(), packed = try Self.packed.get()
        let eos = try XCTUnwrap(smol.tokenizer.eosTokenId)
        let ref = try reference()
        for c in ref.cases {
            let out = generate(packed, tokenizer: smol.tokenizer, prompt: c.ids,
                               options: SamplingOptions(maxNewTokens: ref.new_tokens, stopTokenIds: [eos]))
            XCTAssertEqual(out.text, c.answer, c.prompt)
        }
    }

    func testDecodeReadsAFifthOfTheFloat32Bytes() throws {
        let smol = try SmolLM2.load(), packed = try Self.packed.get()
        let floatBytes = decodeWeightBytes(of: smol.model), packedBytes = decodeWeightBytes(of: packed)
        // Float32: every parameter (the tied head is the embedding table). Packed: Q4_1 projections
        // at 20 bytes per 32 weights, the Q8_0 head at 34, norms in Float32.
        XCTAssertEqual(floatBytes, smol.model.parameterCount() * 4)
        XCTAssertEqual(packedBytes, 106_168_320 / 32 * 20 + 28_311_552 / 32 * 34 + (2 * 30 + 1) * 576 * 4)
    }
}
