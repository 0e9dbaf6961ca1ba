import Foundation
import XCTest
import PyBridge
import Runtime
import TestSupport

/// An HF folder holding only `pytorch_model.bin` loads through the bridge into the same
/// model as its safetensors twin.
final class PickleModelImportTests: XCTestCase {
    private let config = """
        {"model_type": "gpt2", "vocab_size": 16, "n_positions": 8, "n_embd": 8, "n_layer": 1, "n_head": 2,
         "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "bos_token_id": 0, "eos_token_id": 0}
        """

    private func folder(with file: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sft-pickle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        try Data(config.utf8).write(to: url.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: fixtureURL("pickles/gpt2/\(file)"), to: url.appendingPathComponent(file))
        return url
    }

    func testPickledFolderLoadsLikeItsSafetensorsTwin() throws {
        PickleModelImport.install()
        defer { ModelCheckpoint.pickleReader = nil }
        let pickled = try loadCausalLM(try ModelCheckpoint.load(from: folder(with: "pytorch_model.bin")))
        let reference = try loadCausalLM(try ModelCheckpoint.load(from: folder(with: "model.safetensors")))
        let input = ModelInput(row: [1, 5, 9, 3, 2])
        let expected = withNoGrad { reference.logits(input) }.scalars
        XCTAssertEqual(withNoGrad { pickled.logits(input) }.scalars, expected)
    }

    func testWithoutTheReaderTheErrorSaysHowToEnableIt() throws {
        ModelCheckpoint.pickleReader = nil
        XCTAssertThrowsError(try ModelCheckpoint.load(from: folder(with: "pytorch_model.bin"))) { error in
            XCTAssertTrue("\(error)".contains("PythonBridge"), "\(error)")
            XCTAssertTrue("\(error)".contains("pytorch_model.bin"), "\(error)")
        }
    }
}
