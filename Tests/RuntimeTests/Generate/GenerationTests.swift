import Foundation
import XCTest
import Runtime
import TestSupport

final class GenerationTests: XCTestCase {
    private func model(_ name: String) throws -> any CausalLM {
        try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/\(name)")))
    }

    /// Greedy decoding with the KV cache reproduces transformers' `generate` token for token.
    func testGreedyMatchesTransformers() throws {
        let data = try Data(contentsOf: fixtureURL("generation/greedy.json"))
        let fixture = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let prompt = fixture["prompt"] as! [Int]
        for (name, expected) in fixture["generated"] as! [String: [Int]] {
            let result = generate(try model(name), tokenizer: ByteTestTokenizer(), prompt: prompt,
                                  options: SamplingOptions(maxNewTokens: expected.count))
            XCTAssertEqual(result.tokens, expected, name)
            XCTAssertEqual(result.finishReason, .length)
        }
    }

    /// Logits after a cached prefix equal the logits of one full pass.
    func testCachedStepsEqualFullForward() throws {
        for name in ["llama-tied", "gpt2"] {
            let lm = try model(name)
            let tokens = [5, 9, 200, 31, 7, 64, 12]
            let full = withNoGrad { lm.logits(ModelInput(row: tokens)) }
            let V = lm.config.vocabSize
            let cache = KVCache(config: lm.config, capacity: 16)
            for (t, token) in tokens.enumerated() {
                let input = ModelInput(ids: [token], batch: 1, length: 1, positions: [t])
                let step = withNoGrad { matmul(lm.hiddenStates(input, cache: cache).reshaped([1, lm.config.hiddenSize]), lm.headWeight, transposeB: true) }
                assertClose(step.scalars, Array(full.scalars[(t * V)..<((t + 1) * V)]), rtol: 1e-4, atol: 1e-5, "\(name) step \(t)")
            }
            XCTAssertEqual(cache.length, tokens.count)
        }
    }

    func testStopTokensStringsAndCancellation() throws {
        let lm = try model("llama-tied")
        let prompt = [1, 17, 42, 99, 7, 3, 250, 128]
        let greedy = generate(lm, tokenizer: ByteTestTokenizer(), prompt: prompt, options: SamplingOptions(maxNewTokens: 12)).tokens
        let stopped = generate(lm, tokenizer: ByteTestTokenizer(), prompt: prompt,
                               options: SamplingOptions(maxNewTokens: 12, stopTokenIds: [greedy[2]]))
        XCTAssertEqual(stopped.tokens, Array(greedy.prefix(2)))
        XCTAssertEqual(stopped.finishReason, .stopToken)
        var pieces = 0
        let cancelled = generate(lm, tokenizer: ByteTestTokenizer(), prompt: prompt, options: SamplingOptions(maxNewTokens: 12)) { _ in
            pieces += 1
            return pieces < 3
        }
        XCTAssertEqual(cancelled.finishReason, .cancelled)
        XCTAssertLessThan(cancelled.tokens.count, 12)
    }

    func testSamplerRules() {
        let logits: [Float] = [1, 3, 2, 0.5]
        var greedy = TokenSampler(options: SamplingOptions(temperature: 0))
        XCTAssertEqual(greedy.next(logits: logits, context: []), 1)
        var penalized = TokenSampler(options: SamplingOptions(temperature: 0, repetitionPenalty: 2))
        XCTAssertEqual(penalized.next(logits: logits, context: [1]), 2, "3 / 2 < 2")
        var topOne = TokenSampler(options: SamplingOptions(temperature: 1.5, topK: 1, seed: 3))
        XCTAssertEqual((0..<20).map { _ in topOne.next(logits: logits, context: []) }, Array(repeating: 1, count: 20))
        var nucleus = TokenSampler(options: SamplingOptions(temperature: 1, topP: 0.5, seed: 9))
        XCTAssertEqual(Set((0..<50).map { _ in nucleus.next(logits: logits, context: []) }), [1], "top token holds > 0.5 of the mass")
        func draws(_ seed: UInt64) -> [Int] {
            var s = TokenSampler(options: SamplingOptions(temperature: 1, seed: seed))
            return (0..<40).map { _ in s.next(logits: logits, context: []) }
        }
        XCTAssertEqual(draws(5), draws(5))
        XCTAssertEqual(Set(draws(5)).count, 4, "temperature 1 reaches every token")
    }
}
