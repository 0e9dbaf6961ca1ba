import Foundation
import XCTest
import Runtime
import TestSupport

/// Logits, loss and every parameter gradient of each architecture against transformers
/// (float64 reference on the same stored weights; scripts/fixtures/models.py).
final class ModelParityTests: XCTestCase {
    func testGPT2() throws { try checkParity("gpt2") }
    func testLlamaTied() throws { try checkParity("llama-tied") }
    func testLlama3RopeScaling() throws { try checkParity("llama3-rope") }
    func testQwen2() throws { try checkParity("qwen2") }
    func testMistral() throws { try checkParity("mistral") }

    private func checkParity(_ name: String) throws {
        let folder = fixtureURL("models/\(name)")
        let model = try loadCausalLM(try ModelCheckpoint.load(from: folder))
        let reference = try SafetensorsFile(url: folder.appendingPathComponent("reference.safetensors")).tensors
        let ids = try XCTUnwrap(reference["input_ids"]?.integers())
        let labels = try XCTUnwrap(reference["labels"]?.integers())
        let shape = try XCTUnwrap(reference["input_ids"]).shape
        let batch = ModelInput(ids: ids, batch: shape[0], length: shape[1])

        let logits = withNoGrad { model.logits(batch) }
        assertClose(logits.scalars, try XCTUnwrap(reference["logits"]).floats(), rtol: 1e-4, atol: 1e-5, "\(name) logits")

        let loss = model.loss(batch, labels: labels)
        let mean = loss.sum * (1 / Float(loss.count))
        assertClose(mean.item, try XCTUnwrap(reference["loss"]).floats()[0], rtol: 1e-4, atol: 0, "\(name) loss")

        let grads = mean.backward()
        var checked = 0
        for (parameter, tensor) in model.namedParameters() {
            guard let expected = reference["grad." + parameter] else {
                XCTFail("\(name): fixture has no gradient for \(parameter)"); continue
            }
            let got = try XCTUnwrap(grads[tensor], "\(name): no gradient for \(parameter)")
            // GPT-2's Conv1D gradients are stored [in, out] like its weights; ours are [out, in].
            let reference = model is GPT2Model && GPT2Model.isConv1DWeight(parameter)
                ? transposed(expected.floats(), rows: expected.shape[0], cols: expected.shape[1]) : expected.floats()
            assertClose(got.scalars, reference, rtol: 1e-3, atol: 1e-5, "\(name) grad \(parameter)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
    }

    private func transposed(_ values: [Float], rows: Int, cols: Int) -> [Float] {
        var out = values
        for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = values[r * cols + c] } }
        return out
    }
}
