import Foundation
import XCTest
import TestSupport
@testable import Runtime

/// The workbench facade on the tiny Llama fixture (made with transformers by
/// scripts/fixtures/workbench.py): loading, prompts, adapters, merge and export.
final class LoadedModelTests: XCTestCase {
    private let folder = fixtureURL("workbench/tiny-llama")

    private func referenceLogits() throws -> (ids: [Int], logits: [Float]) {
        let data = try Data(contentsOf: fixtureURL("workbench/reference_logits.json"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let rows = object["logits"] as! [[Double]]
        return (object["ids"] as! [Int], rows.flatMap { $0.map(Float.init) })
    }

    private func logits(_ model: LoadedModel, _ ids: [Int]) -> [Float] {
        withNoGrad { model.network.logits(ModelInput(row: ids)).scalars }
    }

    func testLoadsWeightsTokenizerTemplateAndStopsLikeTransformers() throws {
        let model = try LoadedModel.load(from: folder)
        let reference = try referenceLogits()
        assertClose(logits(model, reference.ids), reference.logits, rtol: 1e-4, atol: 1e-4)
        XCTAssertEqual(model.tokenizer.vocabularySize, 544)
        XCTAssertEqual(model.stopTokenIds, [543])
        XCTAssertNotNil(model.chatRenderer)
        XCTAssertEqual(model.chatRenderer?.rendersBOS, false)
    }

    func testChatPromptGetsExactlyOneBOS() throws {
        let model = try LoadedModel.load(from: folder)
        let bos = try XCTUnwrap(model.tokenizer.bosTokenId)
        let text = try model.promptText("hi", style: .template(.chat(model.chatRenderer!)))
        XCTAssertEqual(text, "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
        let ids = try model.encodePrompt(text)
        XCTAssertEqual(ids.first, bos)
        XCTAssertEqual(ids.filter { $0 == bos }.count, 1)
        // A template that writes the BOS itself: the tokenizer must not add a second one.
        let writesBOS = try ChatTemplateRenderer(
            template: try ChatTemplate(source: "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}"),
            bosToken: "<|begin_of_text|>", eosToken: "<|im_end|>")
        XCTAssertTrue(writesBOS.rendersBOS)
        let rendered = try writesBOS.render([ConversationTurn(role: "user", content: "hi")], addGenerationPrompt: true)
        let once = try model.encodePrompt(rendered)
        XCTAssertEqual(once.filter { $0 == bos }.count, 1, "ids \(once)")
    }

    func testDataTemplatePromptIsTheUnsupervisedPart() throws {
        let model = try LoadedModel.load(from: folder)
        let text = try model.promptText("Sort.", style: .template(.gemmaTurns))
        XCTAssertTrue(text.hasPrefix("<start_of_turn>user Below is an instruction"), text)
        XCTAssertTrue(text.hasSuffix("<start_of_turn>model"), text)
        XCTAssertFalse(text.contains("here are the inputs"), "empty input clause must be left out: \(text)")
    }

    func testMergedExportLoadsBackWithTheSameLogits() throws {
        let model = try LoadedModel.load(from: folder)
        try model.applyLoRA(LoRAConfig(r: 4, alpha: 8, targetModules: ["q_proj", "v_proj", "down_proj"]), seed: 3)
        // B starts at zero; give the adapters weights so merging changes the logits.
        for (_, layer) in loraLayers(of: model.network) {
            let b = layer.loraB.weight
            b.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] = Float(i % 7) * 0.05 - 0.15 }
            }
        }
        let ids = [541, 72, 101, 108, 108, 111]
        let adapted = logits(model, ids)
        let base = try referenceLogits()
        XCTAssertThrowsError(try model.export(to: temporaryURL())) { error in
            XCTAssertTrue(String(describing: error).contains("merge"), "\(error)")
        }
        try model.merge()
        let merged = logits(model, ids)
        assertClose(merged, adapted, rtol: 1e-4, atol: 1e-5)
        let out = temporaryURL()
        let exported = try model.export(to: out)
        XCTAssertTrue(exported.copiedFiles.contains("tokenizer.json"))
        let reloaded = try LoadedModel.load(from: out)
        XCTAssertEqual(logits(reloaded, ids), merged, "the exported weights are the merged ones, bit for bit")
        XCTAssertNotEqual(Array(logits(reloaded, base.ids).prefix(544)), Array(base.logits.prefix(544)))
    }

    func testGPT2ExportStoresConv1DWeightsAsTransformersDoes() throws {
        // The tiny GPT-2 fixture with a GPT-2 tokenizer beside it.
        let source = temporaryURL()
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        for (folder, name) in [("models/gpt2", "config.json"), ("models/gpt2", "model.safetensors"),
                               ("tokenizers/gpt2", "vocab.json"), ("tokenizers/gpt2", "merges.txt")] {
            try FileManager.default.copyItem(at: fixtureURL("\(folder)/\(name)"), to: source.appendingPathComponent(name))
        }
        let model = try LoadedModel.load(from: source)
        let ids = [0, 5, 9, 3]
        let expected = logits(model, ids)
        let out = temporaryURL()
        try model.export(to: out)
        let original = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors"))
        let exported = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        let name = "transformer.h.0.attn.c_attn.weight"
        let before = try XCTUnwrap(original.tensors[name]), after = try XCTUnwrap(exported.tensors[name])
        XCTAssertEqual(after.shape, before.shape, "Conv1D weights keep transformers' [in, out] layout")
        var a = [Float](repeating: 0, count: before.elementCount), b = a
        a.withUnsafeMutableBufferPointer { before.decode(into: $0.baseAddress!) }
        b.withUnsafeMutableBufferPointer { after.decode(into: $0.baseAddress!) }
        XCTAssertEqual(a, b)
        XCTAssertEqual(logits(try LoadedModel.load(from: out), ids), expected)
    }

    func testAdapterRoundTripGivesTheSameLogits() throws {
        let model = try LoadedModel.load(from: folder)
        try model.applyLoRA(LoRAConfig(r: 2, alpha: 4, targetModules: ["all-linear"]), seed: 5)
        // Saved with the wrapped layer names, as PEFT itself writes an `all-linear` adapter.
        XCTAssertEqual(model.lora?.targetModules, ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"])
        for (_, layer) in loraLayers(of: model.network) {
            layer.loraB.weight.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = 0.01 * Float(i % 5) } }
        }
        let ids = [541, 80, 81, 82]
        let expected = logits(model, ids)
        let adapter = temporaryURL()
        try model.saveAdapter(to: adapter)
        let fresh = try LoadedModel.load(from: folder)
        try fresh.loadAdapter(from: adapter)
        assertClose(logits(fresh, ids), expected, rtol: 1e-6, atol: 1e-6)
        XCTAssertThrowsError(try fresh.loadAdapter(from: adapter), "a second adapter on top is refused")
    }

    func testLoRATargetThatMatchesNothingNamesTheLayers() throws {
        let model = try LoadedModel.load(from: folder)
        XCTAssertThrowsError(try model.applyLoRA(LoRAConfig(targetModules: ["qkv"]))) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("qkv") && text.contains("q_proj"), text)
        }
        XCTAssertNil(model.lora)
    }

    private func temporaryURL() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sft-workbench-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
