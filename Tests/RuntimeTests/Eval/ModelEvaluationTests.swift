import Foundation
import Runtime
import TestSupport
import XCTest

/// ModelEvaluation against transformers on the tiny chat fixture (scripts/fixtures/serve.py):
/// token ids, per-token NLLs and greedy answers.
final class ModelEvaluationTests: XCTestCase {
    struct Reference: Decodable {
        struct Example: Decodable {
            var ids: [Int]
            var prompt_tokens: Int
            var nll: [Double]
            var generated: [Int]
        }
        var examples: [Example]
    }

    func load() throws -> (any CausalLM, Tokenizer, [SourceExample], Reference) {
        let folder = fixtureURL("serve/tiny-chat")
        let model = try loadCausalLM(try ModelCheckpoint.load(from: folder))
        let tokenizer = try Tokenizer.load(folder: folder)
        let rows = try DataTable.load(fixtureURL("serve/eval.jsonl")).examples()
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtureURL("serve/reference.json")))
        return (model, tokenizer, rows, reference)
    }

    func testItemsSplitPromptAndAnswer() throws {
        let (_, _, rows, _) = try load()
        let item = try ModelEvaluation.item(rows[1], template: .alpaca)
        XCTAssertTrue(item.prompt.hasSuffix("### Instruction:\nQuestion: what is two plus two?\n\n\n### Response:\n"), item.prompt)
        XCTAssertEqual(item.reference, "four")
        let plain = try ModelEvaluation.item(rows[1], template: .plain)
        XCTAssertEqual(plain.prompt, "Question: what is two plus two?\n")
        let text = SourceExample(content: .text("x"), row: DataRow(fields: [("text", .string("x"))], line: 3), index: 0)
        XCTAssertThrowsError(try ModelEvaluation.item(text, template: .plain))
    }

    func testTokenNLLsMatchTransformersInBatches() throws {
        let (model, tokenizer, rows, reference) = try load()
        let encoder = try ExampleTokenizer(tokenizer: tokenizer)
        let ids = try rows.map { encoder.tokens(of: try ModelEvaluation.item($0, template: .plain).segments).ids }
        XCTAssertEqual(ids, reference.examples.map(\.ids))
        // Batches of 3 then 1: padding in the first batch must not change any real position.
        let nlls = ModelEvaluation.tokenNLLs(model: model, rows: ids, batchSize: 3)
        for (nll, example) in zip(nlls, reference.examples) { assertClose(nll, example.nll, rtol: 1e-4, atol: 1e-4) }
        for (one, batched) in zip(ModelEvaluation.tokenNLLs(model: model, rows: ids, batchSize: 1), nlls) {
            assertClose(one, batched, rtol: 1e-5, atol: 1e-6)
        }
    }

    func testRunMatchesTransformersLossesAndAnswers() throws {
        let (model, tokenizer, rows, reference) = try load()
        let eos = tokenizer.eosTokenId!
        let options = SamplingOptions(maxNewTokens: 6, stopTokenIds: [eos])
        let result = try ModelEvaluation.run(model: model, tokenizer: tokenizer, examples: rows, template: .plain, name: "tiny",
                                             dataset: "eval.jsonl", metrics: [.exactMatch, .bleu, .rougeL], generation: options,
                                             batchSize: 3)
        let expected = reference.examples.map { e in
            tokenizer.decode(Array(e.generated.prefix { $0 != eos }), skipSpecialTokens: true)
        }
        XCTAssertEqual(result.predictions.map(\.prediction), expected)
        XCTAssertEqual(result.predictions.map(\.references), [["the cat sleeps"], ["four"], ["hello world"], ["blue"]])
        let all = reference.examples.flatMap(\.nll)
        let completion = reference.examples.flatMap { e in e.nll.enumerated().filter { $0.offset + 1 >= e.prompt_tokens }.map(\.element) }
        assertClose(result.report["loss"]!, all.reduce(0, +) / Double(all.count), rtol: 1e-5)
        assertClose(result.report["completion_loss"]!, completion.reduce(0, +) / Double(completion.count), rtol: 1e-5)
        assertClose(result.report["perplexity"]!, exp(result.report["loss"]!), rtol: 1e-9)
        let metrics = try TextMetric.compute([.exactMatch, .bleu, .rougeL], predictions: expected,
                                             references: result.predictions.map(\.references))
        for m in metrics { XCTAssertEqual(result.report[m.name], m.value, m.name) }
    }
}
