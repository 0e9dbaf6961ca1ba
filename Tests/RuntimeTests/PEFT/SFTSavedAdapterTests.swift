import Foundation
import XCTest
import Runtime
import TestSupport

/// An adapter saved by sft loads in PEFT and gives the same logits. `peft/<case>/sft-saved/` is
/// what `AdapterFiles.save` writes for a seeded LoRA state; scripts/fixtures/peft.py loads it with
/// `PeftModel.from_pretrained` (asserting no missing or unexpected keys) and records PEFT's
/// logits in `peft/<case>/sft-saved-reference.safetensors`.
///
/// Regenerate the folders with `SFT_UPDATE_FIXTURES=1 swift test --filter SFTSavedAdapterTests`,
/// then `python scripts/make_fixtures.py peft`. Without the variable the test asserts that what
/// sft saves now is what is committed, so the fixture cannot silently go stale.
final class SFTSavedAdapterTests: XCTestCase {
    private let cases = ["llama-tied", "gpt2"]

    /// The case's model with LoRA per its settings.json (PEFT's key names): sft's own seeded
    /// init (seed 42, A kaiming-uniform) and every lora_B drawn N(0, 0.1²) from seed 7, so the
    /// adapter changes the logits.
    private func seededAdapter(_ name: String) throws -> (model: any CausalLM, config: LoRAConfig, input: ModelInput) {
        let (model, input, _) = try tinyModel(name)
        let settings = try Data(contentsOf: fixtureURL("peft/\(name)/settings.json"))
        let config = try JSONDecoder().decode(LoRAConfig.self, from: settings)
        try applyLoRA(config, to: model, seed: 42)
        var generator = SeededGenerator(seed: 7)
        for (_, layer) in loraLayers(of: model) {
            let b = layer.loraB.weight
            let values = Tensor.randn(b.shape, std: 0.1, generator: &generator).scalars
            b.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] = values[i] } }
        }
        return (model, config, input)
    }

    func testSavedAdapterIsTheCommittedFixture() throws {
        let update = ProcessInfo.processInfo.environment["SFT_UPDATE_FIXTURES"] == "1"
        for name in cases {
            let (model, config, _) = try seededAdapter(name)
            let committed = fixtureURL("peft/\(name)/sft-saved")
            if update {
                try AdapterFiles.save(model, config: config, to: committed)
                continue
            }
            let saved = FileManager.default.temporaryDirectory.appendingPathComponent("sft-saved-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: saved) }
            try AdapterFiles.save(model, config: config, to: saved)

            let ours = try jsonObject(saved.appendingPathComponent(AdapterFiles.configName))
            let theirs = try jsonObject(committed.appendingPathComponent(AdapterFiles.configName))
            XCTAssertEqual(ours, theirs, "\(name): adapter_config.json differs from the committed fixture; regenerate (see the doc comment)")

            let now = try SafetensorsFile(url: saved.appendingPathComponent(AdapterFiles.weightsName))
            let then = try SafetensorsFile(url: committed.appendingPathComponent(AdapterFiles.weightsName))
            XCTAssertEqual(Set(now.tensors.keys), Set(then.tensors.keys), "\(name): adapter keys")
            XCTAssertEqual(now.metadata, then.metadata, "\(name): safetensors metadata")
            for (key, tensor) in then.tensors {
                XCTAssertEqual(now.tensors[key]?.shape, tensor.shape, "\(name) \(key)")
                XCTAssertEqual(now.tensors[key]?.floats(), tensor.floats(), "\(name) \(key): values differ from the committed fixture")
            }
        }
    }

    /// The committed sft-saved adapter, loaded back here, gives the logits PEFT computed for it.
    func testSavedAdapterGivesPEFTLogits() throws {
        for name in cases {
            let (model, input, _) = try tinyModel(name)
            try AdapterFiles.load(into: model, from: fixtureURL("peft/\(name)/sft-saved"))
            let reference = try SafetensorsFile(url: fixtureURL("peft/\(name)/sft-saved-reference.safetensors"))
            let warned = try JSONDecoder().decode([String].self, from: Data(try XCTUnwrap(reference.metadata["peft_warnings"]).utf8))
            for warning in warned {
                XCTAssertTrue(warning.hasPrefix("DeprecationWarning") || warning.hasPrefix("FutureWarning"),
                              "\(name): PEFT warned while loading sft's adapter: \(warning)")
            }
            model.train(false)
            let expected = try XCTUnwrap(reference.tensors["sft_saved_logits"], "\(name): no sft_saved_logits").floats()
            let actual = withNoGrad { model.logits(input) }.scalars
            assertClose(actual, expected, rtol: 1e-4, atol: 1e-5, "\(name) logits of sft's adapter in PEFT")

            // The adapter must matter: PEFT's logits are not the base model's.
            let (base, _, _) = try tinyModel(name)
            let plain = withNoGrad { base.logits(input) }.scalars
            let largest = zip(plain, expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertGreaterThan(largest, 1e-2, "\(name): the adapter does not change the logits, so the check proves nothing")
        }
    }

    private func jsonObject(_ url: URL) throws -> NSDictionary {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        return try XCTUnwrap(object as? NSDictionary, "\(url.path): not a JSON object")
    }
}
