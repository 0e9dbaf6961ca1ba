import Foundation
import Runtime
import TestSupport
import XCTest

final class ModelConfigTests: XCTestCase {
    private func config(_ folder: String) throws -> ModelConfig {
        try ModelConfig.load(from: fixtureURL("models/\(folder)/config.json"))
    }

    func testGPT2KeysAreNormalized() throws {
        let c = try config("gpt2")
        XCTAssertEqual(c.family, .gpt2)
        XCTAssertEqual([c.vocabSize, c.hiddenSize, c.numHiddenLayers, c.numAttentionHeads, c.numKeyValueHeads, c.headDim,
                        c.maxPositionEmbeddings, c.intermediateSize], [256, 32, 2, 4, 4, 8, 64, 128], "n_inner null means 4 x n_embd")
        XCTAssertEqual(c.hiddenAct, "gelu_new")
        XCTAssertEqual(c.normEpsilon, 1e-5)
        XCTAssertTrue(c.tieWordEmbeddings)
        XCTAssertTrue(c.qkvBias && c.outputProjectionBias && c.mlpBias)
    }

    func testLlamaFamily() throws {
        let tied = try config("llama-tied")
        XCTAssertEqual(tied.family, .llama)
        XCTAssertEqual([tied.hiddenSize, tied.intermediateSize, tied.numAttentionHeads, tied.numKeyValueHeads, tied.headDim], [32, 64, 4, 2, 8])
        XCTAssertTrue(tied.tieWordEmbeddings)
        XCTAssertNil(tied.ropeScaling)
        XCTAssertEqual(tied.ropeTheta, 10000)
        XCTAssertFalse(tied.qkvBias || tied.outputProjectionBias || tied.mlpBias)
        XCTAssertEqual(tied.eosTokenIds, [2])

        let llama3 = try config("llama3-rope")
        XCTAssertFalse(llama3.tieWordEmbeddings)
        XCTAssertEqual(llama3.ropeTheta, 500000)
        XCTAssertEqual(llama3.ropeScaling, RopeScaling(type: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4,
                                                       originalMaxPositionEmbeddings: 16, ropeTheta: 500000))

        let qwen = try config("qwen2")
        XCTAssertEqual(qwen.modelType, "qwen2")
        XCTAssertTrue(qwen.qkvBias)
        XCTAssertFalse(qwen.outputProjectionBias)
        XCTAssertEqual(qwen.ropeTheta, 1_000_000)
        XCTAssertNil(qwen.slidingWindow, "use_sliding_window is false")

        let mistral = try config("mistral")
        XCTAssertEqual(mistral.modelType, "mistral")
        XCTAssertNil(mistral.slidingWindow)
    }

    /// Configs on the Hub (transformers < 5) keep rope_theta and rope_scaling at top level,
    /// with `type` instead of `rope_type`, and eos as a list.
    func testHubStyleRopeScalingAndEosList() throws {
        let json = """
        {"model_type": "llama", "vocab_size": 128256, "hidden_size": 2048, "intermediate_size": 8192,
         "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 131072,
         "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true, "eos_token_id": [128001, 128008, 128009],
         "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                          "original_max_position_embeddings": 8192, "type": "llama3"}}
        """
        let c = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        XCTAssertEqual(c.headDim, 64)
        XCTAssertEqual(c.ropeTheta, 500000)
        XCTAssertEqual(c.ropeScaling?.type, "llama3")
        XCTAssertEqual(c.ropeScaling?.factor, 32)
        XCTAssertEqual(c.ropeScaling?.originalMaxPositionEmbeddings, 8192)
        XCTAssertEqual(c.eosTokenIds, [128001, 128008, 128009])
        XCTAssertEqual(c.hiddenAct, "silu")
        // Encoding writes HF keys that decode to the same config.
        let again = try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(c))
        XCTAssertEqual(again.ropeScaling?.type, c.ropeScaling?.type)
        XCTAssertEqual(again.eosTokenIds, c.eosTokenIds)
        XCTAssertEqual(again.ropeTheta, c.ropeTheta)
        for name in ["gpt2", "qwen2", "mistral", "llama-tied"] {
            let original = try config(name)
            XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(original)), original, name)
        }
    }

    /// A missing or bad field is an error that names the file and the key.
    func testBadConfigsNameFileAndKey() throws {
        let folder = try temporaryFolder(self)
        let good = try String(contentsOf: fixtureURL("models/llama-tied/config.json"), encoding: .utf8)
        func check(_ text: String, key: String, _ fragment: String, line: UInt = #line) throws {
            let url = folder.appendingPathComponent("config.json")
            try text.write(to: url, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ModelConfig.load(from: url), line: line) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(url.path), "no file in: \(text)", line: line)
                XCTAssertTrue(key.isEmpty || text.contains(key), "no key '\(key)' in: \(text)", line: line)
                XCTAssertTrue(text.contains(fragment), "no '\(fragment)' in: \(text)", line: line)
            }
        }
        try check(good.replacingOccurrences(of: "\"hidden_size\": 32,", with: ""), key: "hidden_size", "missing")
        try check(good.replacingOccurrences(of: "\"model_type\": \"llama\"", with: "\"model_type\": \"bert\""), key: "model_type", "unsupported model_type 'bert'")
        try check(good.replacingOccurrences(of: "\"num_attention_heads\": 4", with: "\"num_attention_heads\": \"4\""), key: "num_attention_heads", "expected")
        try check(good.replacingOccurrences(of: "\"num_key_value_heads\": 2", with: "\"num_key_value_heads\": 3"), key: "num_key_value_heads", "not a multiple")
        try check(good.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": -2"), key: "num_hidden_layers", "positive")
        try check(good.replacingOccurrences(of: "\"hidden_act\": \"silu\"", with: "\"hidden_act\": \"mish\""), key: "hidden_act", "unsupported activation")
        try check(good.replacingOccurrences(of: "\"rope_type\": \"default\"", with: "\"rope_type\": \"yarn\""), key: "rope_parameters", "unsupported rope type 'yarn'")
        try check(good.replacingOccurrences(of: "\"rms_norm_eps\": 1e-05,", with: ""), key: "rms_norm_eps", "missing")
        try check(String(good.dropLast(3)), key: "", "invalid JSON")
        XCTAssertThrowsError(try ModelConfig.load(from: folder.appendingPathComponent("absent.json"))) { error in
            XCTAssertTrue("\(error)".contains("absent.json"), "\(error)")
        }
    }

    func testFolderWithoutWeightsOrConfigSaysWhatIsMissing() throws {
        let folder = try temporaryFolder(self)
        XCTAssertThrowsError(try ModelCheckpoint.load(from: folder)) { XCTAssertTrue("\($0)".contains("config.json"), "\($0)") }
        try FileManager.default.copyItem(at: fixtureURL("models/gpt2/config.json"), to: folder.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try ModelCheckpoint.load(from: folder)) { XCTAssertTrue("\($0)".contains("model.safetensors"), "\($0)") }
        try FileManager.default.copyItem(at: fixtureURL("models/gpt2/model.safetensors"), to: folder.appendingPathComponent("model.safetensors"))
        let loaded = try ModelCheckpoint.load(from: folder)
        XCTAssertEqual(loaded.tensors["transformer.h.0.attn.c_attn.weight"]?.shape, [32, 96], "Conv1D weights stay [in, out]")
    }
}
