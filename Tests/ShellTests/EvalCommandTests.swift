import Foundation
import Runtime
import TestSupport
import XCTest
@testable import Shell

/// The `eval` verb on the tiny chat fixture: files written, values equal to the runtime's,
/// and compare=base against an adapter made here.
final class EvalCommandTests: XCTestCase {
    let data = fixtureURL("serve/eval.jsonl").path
    let model = fixtureURL("serve/tiny-chat").path

    func report(_ folder: URL) throws -> EvalReport {
        try EvalReport(jsonData: Data(contentsOf: folder.appendingPathComponent(EvalReport.metricsFileName)))
    }

    func testEvalWritesMetricsAndPredictionsEqualToTheRuntime() throws {
        let out = try temporaryFolder(self)
        let shell = ShellHarness()
        XCTAssertNil(shell.run("eval \(data) model=\(model) template=plain max_new_tokens=6 metrics=exact_match,token_f1,bleu,chrf,rouge1 out=\(out.path)"))
        XCTAssertTrue(shell.text.contains("completion_perplexity"), shell.text)
        let written = try report(out)
        XCTAssertEqual(written.exampleCount, 4)

        let inference = try InferenceModel.load(model: URL(fileURLWithPath: model), template: "plain")
        var options = inference.defaults
        options.maxNewTokens = 6
        let direct = try ModelEvaluation.run(model: inference.network, tokenizer: inference.tokenizer,
                                             examples: try DataTable.load(URL(fileURLWithPath: data)).examples(),
                                             template: .plain, name: inference.name, dataset: data,
                                             metrics: [.exactMatch, .tokenF1, .bleu, .chrf, .rouge1], generation: options)
        for metric in direct.report.metrics { assertClose(written[metric.name] ?? .nan, metric.value, rtol: 1e-9, atol: 1e-12) }
        let lines = try String(contentsOf: out.appendingPathComponent(EvalReport.predictionsFileName), encoding: .utf8)
            .split(separator: "\n")
        let predictions = try lines.map { try JSONDecoder().decode(PredictionRecord.self, from: Data($0.utf8)) }
        XCTAssertEqual(predictions, direct.predictions)
    }

    func testLossOnlyAndLimit() throws {
        let out = try temporaryFolder(self)
        let shell = ShellHarness()
        XCTAssertNil(shell.run("eval \(data) model=\(model) metrics=none limit=2 out=\(out.path)"))
        let written = try report(out)
        XCTAssertEqual(written.exampleCount, 2)
        XCTAssertEqual(Set(written.metrics.map(\.name)), ["loss", "perplexity", "completion_loss", "completion_perplexity"])
    }

    /// A LoRA adapter on the tiny model with random B (so it changes the outputs).
    func makeAdapter(in folder: URL) throws -> URL {
        let adapter = folder.appendingPathComponent("adapter")
        let network = try loadCausalLM(try ModelCheckpoint.load(from: URL(fileURLWithPath: model)))
        var config = LoRAConfig(r: 4, alpha: 8)
        config.baseModelNameOrPath = model
        try applyLoRA(config, to: network)
        var generator = SeededGenerator(seed: 3)
        for (_, layer) in loraLayers(of: network) {
            layer.loraB.weight.withUnsafeMutableBufferPointer { b in
                for i in b.indices { b[i] = Float(generator.nextUniform() - 0.5) }
            }
        }
        try AdapterFiles.save(network, config: config, to: adapter)
        return adapter
    }

    func testCompareBaseAndAdapter() throws {
        let folder = try temporaryFolder(self)
        let adapter = try makeAdapter(in: folder)
        let out = folder.appendingPathComponent("eval")
        let shell = ShellHarness()
        XCTAssertNil(shell.run("eval \(data) model=\(model) adapter=\(adapter.path) compare=base metrics=exact_match max_new_tokens=4 out=\(out.path)"))
        let base = try report(out.appendingPathComponent("base"))
        let tuned = try report(out.appendingPathComponent("adapter"))
        XCTAssertNotEqual(base["loss"], tuned["loss"], "the adapter changes the model")
        let comparison = try JSONDecoder().decode(EvalComparison.self, from: Data(contentsOf: out.appendingPathComponent("comparison.json")))
        XCTAssertEqual(comparison.rows.sorted { $0.name < $1.name },
                       EvalComparison(base: base, candidate: tuned).rows.sorted { $0.name < $1.name })
        XCTAssertEqual(comparison.rows.first { $0.name == "loss" }?.candidateIsBetter, tuned["loss"]! < base["loss"]!)
        XCTAssertTrue(shell.text.contains("delta"), shell.text)

        let plain = folder.appendingPathComponent("plain")
        XCTAssertNil(ShellHarness().run("eval \(data) model=\(model) metrics=exact_match max_new_tokens=4 out=\(plain.path)"))
        assertClose(try report(plain)["loss"]!, base["loss"]!, rtol: 1e-12)
    }

    func testCompareNeedsAnAdapter() {
        let error = ShellHarness().run("eval \(data) model=\(model) compare=base")
        XCTAssertTrue(error?.contains("adapter=DIR") ?? false, error ?? "no error")
    }

    func testAnAdapterFolderNamesItsBase() throws {
        let adapter = try makeAdapter(in: try temporaryFolder(self))
        let served = try InferenceModel.load(model: adapter)
        let explicit = try InferenceModel.load(model: URL(fileURLWithPath: model), adapter: adapter)
        XCTAssertEqual(served.name, "tiny-chat+adapter")
        XCTAssertFalse(loraLayers(of: served.network).isEmpty)
        let ids = served.encodePrompt("Say hello")
        XCTAssertEqual(served.network.logits(ModelInput(row: ids)).scalars, explicit.network.logits(ModelInput(row: ids)).scalars)
    }
}
