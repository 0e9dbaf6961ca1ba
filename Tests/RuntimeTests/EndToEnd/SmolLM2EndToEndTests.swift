import Foundation
import Runtime
import TestSupport
import XCTest

/// SmolLM2-135M-Instruct end to end against transformers loading the same GGUF
/// (Tests/Fixtures/smollm2/reference.json, made by scripts/fixtures/smollm2.py): chat rendering
/// and tokenization, logits of the first positions, and greedy answers token for token.
final class SmolLM2EndToEndTests: XCTestCase {
    struct Reference: Decodable {
        struct Case: Decodable {
            var prompt: String
            var rendered: String
            var ids: [Int]
            var generated: [Int]
            var answer: String
            var logits: [[Float]]?
            var top_ids: [[Int]]?
            var top_logits: [[Float]]?
        }
        var new_tokens: Int
        var cases: [Case]
    }

    private func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtureURL("smollm2/reference.json")))
    }

    func testChatPromptsRenderAndTokenizeAsTransformers() throws {
        let smol = try SmolLM2.load()
        for c in try reference().cases {
            let text = try smol.render(user: c.prompt)
            XCTAssertEqual(text, c.rendered)
            XCTAssertEqual(smol.tokenizer.encode(text, addSpecialTokens: false), c.ids, c.prompt)
        }
    }

    func testLogitsOfTheFirstPositionsMatchTransformers() throws {
        let smol = try SmolLM2.load()
        let c = try XCTUnwrap(try reference().cases.first)
        let expected = try XCTUnwrap(c.logits), topIds = try XCTUnwrap(c.top_ids), topLogits = try XCTUnwrap(c.top_logits)
        let logits = withNoGrad { smol.model.logits(ModelInput(row: c.ids)) }
        let V = logits.lastDim, values = logits.scalars
        for (t, row) in expected.enumerated() {
            let ours = Array(values[(t * V)..<(t * V + row.count)])
            assertClose(ours, row, rtol: 1e-3, atol: 1e-3, "position \(t)")
            assertClose(topIds[t].map { values[t * V + $0] }, topLogits[t], rtol: 1e-3, atol: 1e-3, "top-5 of position \(t)")
            let best = (0..<V).max { values[t * V + $0] < values[t * V + $1] }
            XCTAssertEqual(best, topIds[t][0], "argmax of position \(t)")
        }
    }

    func testGreedyAnswersMatchTransformersTokenForToken() throws {
        let smol = try SmolLM2.load()
        let eos = try XCTUnwrap(smol.tokenizer.eosTokenId)
        let ref = try reference()
        for c in ref.cases {
            // transformers keeps the EOS that ended the answer; our generator stops before it.
            let expected = c.generated.last == eos ? Array(c.generated.dropLast()) : c.generated
            let out = generate(smol.model, tokenizer: smol.tokenizer, prompt: c.ids,
                               options: SamplingOptions(maxNewTokens: ref.new_tokens, stopTokenIds: [eos]))
            XCTAssertEqual(out.tokens, expected, "\(c.prompt): ours \"\(out.text)\", transformers \"\(c.answer)\"")
            XCTAssertEqual(out.text, c.answer, c.prompt)
        }
    }

    /// The fused attention and rotary kernels give the composed twins' logits on the real model.
    func testFusedAndComposedKernelsAgreeOnTheRealModel() throws {
        let smol = try SmolLM2.load()
        guard let llama = smol.model as? LlamaModel else { return XCTFail("SmolLM2 should load as LlamaModel") }
        let ids = try reference().cases[1].ids
        let fused = withNoGrad { llama.logits(ModelInput(row: ids)).scalars }
        llama.kernels = .composed
        defer { llama.kernels = .fused }
        let composed = withNoGrad { llama.logits(ModelInput(row: ids)).scalars }
        assertClose(fused, composed, rtol: 1e-4, atol: 1e-4)
    }
}
