import Foundation
import XCTest
import Runtime
import TestSupport

/// A tiny model of Tests/Fixtures/models with its fixture's input ids [2, 16] and labels.
func tinyModel(_ name: String = "llama-tied") throws -> (any CausalLM, ModelInput, [Int]) {
    let folder = fixtureURL("models/\(name)")
    let model = try loadCausalLM(try ModelCheckpoint.load(from: folder))
    let reference = try SafetensorsFile(url: folder.appendingPathComponent("reference.safetensors")).tensors
    let ids = try XCTUnwrap(reference["input_ids"]?.integers())
    let labels = try XCTUnwrap(reference["labels"]?.integers())
    return (model, ModelInput(ids: ids, batch: 2, length: 16), labels)
}

final class LoRATests: XCTestCase {

    func testFreshAdapterLeavesOutputsUnchangedAndTrainsOnlyLoRA() throws {
        let (model, input, _) = try tinyModel()
        let before = withNoGrad { model.logits(input) }.scalars
        let summary = try applyLoRA(LoRAConfig(r: 4, alpha: 8, targetModules: ["q_proj", "v_proj"]), to: model)
        XCTAssertEqual(summary.wrappedPaths.count, 4)
        XCTAssertEqual(summary.trainableParameters, 2 * (4 * 32 + 32 * 4) + 2 * (4 * 32 + 16 * 4))
        XCTAssertTrue(model.trainableParameters().allSatisfy { $0.name.contains(".lora_") })
        assertClose(withNoGrad { model.logits(input) }.scalars, before, rtol: 0, atol: 0)
    }

    func testAllLinearSkipsTheHeadAndUnknownTargetsAreRefused() throws {
        let (model, _, _) = try tinyModel("mistral")
        let summary = try applyLoRA(LoRAConfig(targetModules: ["all-linear"]), to: model)
        XCTAssertEqual(summary.wrappedPaths.count, 2 * 7)
        XCTAssertFalse(summary.wrappedPaths.contains("lm_head"))
        let (other, _, _) = try tinyModel()
        XCTAssertThrowsError(try applyLoRA(LoRAConfig(targetModules: ["qproj"]), to: other)) { error in
            XCTAssertTrue("\(error)".contains("q_proj"), "\(error)")
        }
    }

    /// A PEFT adapter loads here and gives PEFT's logits, loss and LoRA gradients.
    func testPEFTAdapterParity() throws {
        for name in ["llama-tied", "gpt2"] {
            let (model, input, labels) = try tinyModel(name)
            try AdapterFiles.load(into: model, from: fixtureURL("peft/\(name)/adapter"))
            let reference = try SafetensorsFile(url: fixtureURL("peft/\(name)/reference.safetensors")).tensors
            model.train(false)
            assertClose(withNoGrad { model.logits(input) }.scalars, try XCTUnwrap(reference["logits"]).floats(),
                        rtol: 1e-4, atol: 1e-5, "\(name) logits")
            let loss = model.loss(input, labels: labels)
            let mean = loss.sum * (1 / Float(loss.count))
            assertClose(mean.item, try XCTUnwrap(reference["loss"]).floats()[0], rtol: 1e-4, atol: 0, "\(name) loss")
            let grads = mean.backward()
            let trainable = model.trainableParameters()
            XCTAssertEqual(trainable.count, reference.keys.filter { $0.hasPrefix("grad.") }.count)
            for (parameter, tensor) in trainable {
                let expected = try XCTUnwrap(reference["grad." + parameter], "\(name): no reference gradient for \(parameter)")
                assertClose(try XCTUnwrap(grads[tensor]).scalars, expected.floats(), rtol: 1e-3, atol: 1e-6, "\(name) \(parameter)")
            }
        }
    }

    /// Five AdamW steps with clipping follow PEFT + torch's loss trajectory.
    func testFiveTrainingStepsMatchTorch() throws {
        for name in ["llama-tied", "gpt2"] {
            let (model, input, labels) = try tinyModel(name)
            try AdapterFiles.load(into: model, from: fixtureURL("peft/\(name)/adapter"))
            model.train(true)
            let expected = try XCTUnwrap(try SafetensorsFile(url: fixtureURL("peft/\(name)/reference.safetensors")).tensors["train_losses"]).floats()
            var optimizer = AdamW()
            var losses: [Float] = []
            for _ in 0..<5 {
                let loss = model.loss(input, labels: labels)
                let mean = loss.sum * (1 / Float(loss.count))
                losses.append(mean.item)
                var grads = mean.backward()
                clipGradientNorm(&grads, maxNorm: 1.0)
                optimizer.step(model: model, gradients: grads, learningRate: 1e-2)
            }
            assertClose(losses, expected, rtol: 1e-4, atol: 0, "\(name) losses")
        }
    }

    func testMergeKeepsOutputsAndSaveLoadRoundTrips() throws {
        let (model, input, _) = try tinyModel()
        try AdapterFiles.load(into: model, from: fixtureURL("peft/llama-tied/adapter"))
        let withAdapter = withNoGrad { model.logits(input) }.scalars

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sft-lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try AdapterFiles.save(model, config: try AdapterFiles.loadConfig(from: fixtureURL("peft/llama-tied/adapter")), to: folder)
        let ours = try SafetensorsFile(url: folder.appendingPathComponent(AdapterFiles.weightsName)).tensors
        let peft = try SafetensorsFile(url: fixtureURL("peft/llama-tied/adapter/adapter_model.safetensors")).tensors
        XCTAssertEqual(Set(ours.keys), Set(peft.keys), "adapter keys must be PEFT's")
        for (key, tensor) in peft { XCTAssertEqual(ours[key]?.floats(), tensor.floats(), key) }

        let (fresh, _, _) = try tinyModel()
        try AdapterFiles.load(into: fresh, from: folder)
        assertClose(withNoGrad { fresh.logits(input) }.scalars, withAdapter, rtol: 0, atol: 0)

        XCTAssertEqual(mergeLoRA(into: model).count, 4)
        XCTAssertTrue(loraLayers(of: model).isEmpty)
        assertClose(withNoGrad { model.logits(input) }.scalars, withAdapter, rtol: 1e-5, atol: 1e-5)
    }

    func testAdapterForAnotherModelIsRefused() throws {
        let (model, _, _) = try tinyModel("gpt2")
        XCTAssertThrowsError(try AdapterFiles.load(into: model, from: fixtureURL("peft/llama-tied/adapter"))) { error in
            XCTAssertTrue("\(error)".contains("q_proj") || "\(error)".contains("match"), "\(error)")
        }
    }
}
