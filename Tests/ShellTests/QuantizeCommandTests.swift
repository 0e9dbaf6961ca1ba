import Foundation
import XCTest
import TestSupport
@testable import Shell

/// QLoRA from the shell: quantize the base, wrap it with LoRA, train with packing, save,
/// merge into the dequantized weights.
final class QuantizeCommandTests: XCTestCase {
    private let model = fixtureURL("workbench/tiny-llama").path
    private let tasks = fixtureURL("workbench/tasks.jsonl").path

    func testQLoRARecipe() throws {
        let dir = try temporaryFolder(self)
        let recipe = try writeFile("""
            model load \(model)
            data load \(tasks)
            data template plain
            data split test=0.2 seed=1
            quantize nf4
            lora r=4 alpha=8 targets=all-linear
            train max_steps=2 lr=1e-2 batch=2 max_len=48 packing=true logging=1 out=\(dir.path)/out
            adapter save \(dir.path)/adapter
            merge
            """, "qlora.sft", in: dir)
        let shell = ShellHarness()
        XCTAssertNil(shell.run("run \(recipe)"), shell.errors)
        XCTAssertTrue(shell.text.contains("quantized 14 layers to nf4"), shell.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("adapter/adapter_model.safetensors").path))
    }

    func testQuantizeAfterLoRAIsRefusedWithItsLocation() {
        let shell = ShellHarness()
        let error = shell.run("model load \(model)\nlora r=4\nquantize int8") ?? "no error"
        XCTAssertTrue(error.contains("before `lora`"), error)
        XCTAssertTrue(error.contains(":3:"), error)
    }
}
