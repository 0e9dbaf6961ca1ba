import Foundation
import XCTest
import Runtime
import TestSupport

/// LoRA over quantized bases on the tiny Llama fixture (Tests/Fixtures/models/llama-tied).
final class QLoRATests: XCTestCase {
    private let lora = LoRAConfig(r: 4, alpha: 8, targetModules: ["all-linear"])

    /// Gives every lora_B seeded non-zero values so the adapters change the output.
    private func perturbAdapters(_ model: Module) {
        var g = SeededGenerator(seed: 3)
        for (_, layer) in loraLayers(of: model) {
            let b = layer.loraB.weight
            let noise = Tensor.randn(b.shape, std: 0.05, generator: &g).scalars
            b.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] = noise[i] } }
        }
    }

    private func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    func testQuantizeBaseSwapsEveryProjectionButTheHead() throws {
        let (model, input, _) = try tinyModel()
        let before = withNoGrad { model.logits(input) }.scalars
        let summary = quantizeBase(model, as: .nf4())
        XCTAssertEqual(summary.quantizedPaths.count, 2 * 7)
        XCTAssertTrue(summary.quantizedPaths.allSatisfy { !$0.hasSuffix("lm_head") })
        XCTAssertLessThan(Double(summary.packedBytes), Double(summary.floatBytes) / 7.5)
        XCTAssertTrue(model.namedParameters().allSatisfy { !$0.name.hasSuffix("proj.weight") }, "no Float32 projection left")
        XCTAssertEqual(model.parameterCount(trainableOnly: true), 0)
        // bitsandbytes' NF4 round trip of the same weights gives the same logits (the fixture);
        // this tiny random model is very sensitive: they move by ~3.4 of a ~4.1 range.
        let after = withNoGrad { model.logits(input) }.scalars
        let reference = try SafetensorsFile(url: fixtureURL("quant/nf4-llama-tied.safetensors")).tensors
        assertClose(after, try XCTUnwrap(reference["logits"]).floats(), rtol: 1e-4, atol: 1e-4, "bitsandbytes NF4 logits")
        let nf4Error = maxAbsDifference(after, before)
        XCTAssertGreaterThan(nf4Error, 0, "quantization must change something")

        // LLM.int8 (8 bits per weight) moves them over ten times less.
        let (int8Model, _, _) = try tinyModel()
        XCTAssertEqual(quantizeBase(int8Model, as: .int8()).quantizedPaths.count, 14)
        XCTAssertLessThan(maxAbsDifference(withNoGrad { int8Model.logits(input) }.scalars, before), nf4Error / 10)
    }

    /// The same adapters over an NF4 base and over the Float32 base give logits that differ by
    /// the base's quantization error only; training lowers the loss; merge and save/load keep outputs.
    func testLoRAOverNF4TrainsMergesAndRoundTrips() throws {
        let (floatModel, input, labels) = try tinyModel()
        let (model, _, _) = try tinyModel()
        let baseError = maxAbsDifference(withNoGrad { floatModel.logits(input) }.scalars,
                                         { quantizeBase(model, as: .nf4()); return withNoGrad { model.logits(input) }.scalars }())
        try applyLoRA(lora, to: floatModel, seed: 7)
        let summary = try applyLoRA(lora, to: model, seed: 7)
        XCTAssertEqual(summary.wrappedPaths.count, 14)
        perturbAdapters(floatModel)
        perturbAdapters(model)
        let floatLogits = withNoGrad { floatModel.logits(input) }.scalars
        let quantLogits = withNoGrad { model.logits(input) }.scalars
        // The adapters add the same small update to both: what separates them is the base's
        // quantization error (measured above), give or take a quarter.
        let loraError = maxAbsDifference(quantLogits, floatLogits)
        XCTAssertLessThan(loraError, 1.25 * baseError)
        XCTAssertGreaterThan(loraError, 0.75 * baseError)

        model.train(true)
        var optimizer = AdamW()
        var losses: [Float] = []
        for _ in 0..<6 {
            let loss = model.loss(input, labels: labels)
            let mean = loss.sum * (1 / Float(loss.count))
            losses.append(mean.item)
            var grads = mean.backward()
            XCTAssertTrue(model.trainableParameters().allSatisfy { grads[$0.tensor] != nil })
            clipGradientNorm(&grads, maxNorm: 1.0)
            optimizer.step(model: model, gradients: grads, learningRate: 1e-2)
        }
        XCTAssertLessThan(losses.last!, losses.first! - 0.05, "losses \(losses)")
        model.train(false)
        let trained = withNoGrad { model.logits(input) }.scalars

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sft-qlora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try AdapterFiles.save(model, config: lora, to: folder)
        let (fresh, _, _) = try tinyModel()
        quantizeBase(fresh, as: .nf4())
        try AdapterFiles.load(into: fresh, from: folder)
        assertClose(withNoGrad { fresh.logits(input) }.scalars, trained, rtol: 0, atol: 0)

        let merge = mergeLoRAReporting(into: model)
        XCTAssertEqual(merge.mergedPaths.count, 14)
        XCTAssertEqual(merge.dequantizedPaths, merge.mergedPaths)
        XCTAssertTrue(loraLayers(of: model).isEmpty)
        assertClose(withNoGrad { model.logits(input) }.scalars, trained, rtol: 1e-4, atol: 1e-4)
    }

    /// The frozen-base memory benchmark reports NF4 weights at about 1/8 of Float32.
    func testMemoryBenchmarkReportsPackedWeights() {
        let nf4 = measureFrozenBaseMemory(layers: 2, features: 128, tokens: 8, format: .nf4())
        let plain = measureFrozenBaseMemory(layers: 2, features: 128, tokens: 8, format: nil)
        XCTAssertEqual(plain.weightBytes, 2 * 128 * 128 * 4)
        XCTAssertEqual(nf4.weightBytes, 2 * (128 * 128 / 2 + 256 + 4 + 4))
        XCTAssertEqual(nf4.format, "nf4")
        XCTAssertGreaterThan(plain.stepSeconds, 0)
    }
}

/// SmolLM2-135M-Instruct's Q4_1 GGUF as a frozen packed base (skipped when not cached).
final class GGUFBaseTests: XCTestCase {
    func testSmolLM2PackedBaseMatchesDecodedModel() throws {
        let url = ModelCache.smolLM2
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("SmolLM2-135M-Instruct.Q4_1.gguf is not cached at \(url.path) (scripts/fetch-model fetches it)")
        }
        #if DEBUG
        throw XCTSkip("decoding 135M GGUF weights three times takes minutes at -Onone; run in release")
        #endif
        let checkpoint = try ModelCheckpoint.load(from: url)
        let (packed, paths) = try loadCausalLMKeepingQuantizedWeights(checkpoint)
        XCTAssertEqual(paths.count, 30 * 7)
        XCTAssertTrue(packed.namedParameters().allSatisfy { !$0.name.hasSuffix("proj.weight") })
        let input = ModelInput(ids: [1, 9690, 314, 253, 1345], batch: 1, length: 5)
        let expected = withNoGrad { try! loadCausalLM(checkpoint).logits(input) }.scalars
        assertClose(withNoGrad { packed.logits(input) }.scalars, expected, rtol: 1e-4, atol: 1e-4)

        try applyLoRA(LoRAConfig(r: 4, alpha: 8, targetModules: ["q_proj", "v_proj"]), to: packed)
        let loss = packed.loss(input, labels: input.ids)
        let grads = (loss.sum * (1 / Float(loss.count))).backward()
        XCTAssertEqual(packed.trainableParameters().filter { grads[$0.tensor] != nil }.count, 4 * 30)
    }
}
