import Foundation
import Runtime
import XCTest
import TestSupport
@testable import Shell

/// `model load FILE.gguf weights=packed` through a recipe on the real SmolLM2 (skipped with a
/// message when `scripts/fetch-model` has not run): the blocks stay packed, generation answers as
/// the Float32 model does, and LoRA trains on top of the frozen 4-bit base.
final class PackedWeightsRecipeTests: XCTestCase {
    private var smolLM2: URL { ModelCache.smolLM2 }

    func testPackedModelGeneratesAndTrainsLoRA() throws {
        guard FileManager.default.fileExists(atPath: smolLM2.path) else {
            throw XCTSkip("SmolLM2 model absent at \(smolLM2.path): run scripts/fetch-model smollm2-135m-instruct")
        }
        let dir = try temporaryFolder(self)
        let recipe = try writeFile("""
            model load \(smolLM2.path) weights=packed
            generate "What is the capital of France?" max_tokens=12
            data load \(fixtureURL("workbench/tasks.jsonl").path)
            lora r=4 alpha=8 targets=q_proj,v_proj
            train max_steps=2 lr=1e-3 batch=2 max_len=64 logging=1 out=\(dir.path)/out
            """, "packed.sft", in: dir)
        let shell = ShellHarness()
        XCTAssertNil(shell.run("run \(recipe)"), shell.errors)
        XCTAssertTrue(shell.text.contains("kept packed and frozen"), shell.text)
        XCTAssertTrue(shell.text.contains("The capital of France is Paris."), shell.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/checkpoint-2").path), shell.text)
    }

    func testEvalOnPackedWeightsScoresAsTheFloat32Model() throws {
        guard FileManager.default.fileExists(atPath: smolLM2.path) else {
            throw XCTSkip("SmolLM2 model absent at \(smolLM2.path): run scripts/fetch-model smollm2-135m-instruct")
        }
        let dir = try temporaryFolder(self)
        var losses: [Double] = []
        for weights in ["float32", "packed"] {
            let out = dir.appendingPathComponent(weights)
            let shell = ShellHarness()
            XCTAssertNil(shell.run("eval \(fixtureURL("workbench/tasks.jsonl").path) model=\(smolLM2.path) weights=\(weights) "
                                   + "limit=3 metrics=none out=\(out.path)"), shell.errors)
            let report = try EvalReport(jsonData: Data(contentsOf: out.appendingPathComponent(EvalReport.metricsFileName)))
            losses.append(try XCTUnwrap(report["loss"]))
        }
        // The packed products quantize activations to int16 per block: the loss moves a little, not more.
        assertClose(losses[1], losses[0], rtol: 2e-3, atol: 0)
    }

    func testUnknownWeightsValueNamesTheChoices() {
        let shell = ShellHarness()
        let error = shell.run("model load \(fixtureURL("workbench/tiny-llama").path) weights=int3") ?? ""
        XCTAssertTrue(error.contains("float32") && error.contains("packed"), error)
    }
}
