import XCTest
import Runtime
import TestSupport

/// The trainer runs padded batches without their padding (`modelRows`): the loss and every
/// gradient equal those of the padded batch computed as it is, on the tiny Llama and GPT-2.
final class PaddingFreeTests: XCTestCase {
    private func examples() -> [TokenizedExample] {
        // Lengths 3, 7, 5 and 2: rows of a padded batch of length 7.
        [[1, 20, 30], [1, 21, 31, 41, 51, 61, 2], [1, 22, 32, 42, 2], [1, 23]].enumerated().map { i, ids in
            let labels = ids.enumerated().map { t, id in t < 2 ? -100 : id }
            return TokenizedExample(inputIds: ids, labels: labels, index: i, line: i + 1)
        }
    }

    func testLossAndGradientsEqualThePaddedBatch() throws {
        for name in ["llama-tied", "gpt2"] {
            let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/\(name)")))
            try applyLoRA(LoRAConfig(r: 4, alpha: 8, targetModules: ["all-linear"]), to: model, seed: 3)
            // Non-zero B so the LoRA A gradients are not trivially zero.
            for (path, parameter) in model.namedParameters() where path.hasSuffix("lora_B.weight") {
                try model.setParameter(path: path, Tensor((0..<parameter.count).map { Float($0 % 7) * 0.01 - 0.03 }, shape: parameter.shape))
            }
            let batch = TokenBatch(groups: examples().map { [$0] }, padId: 0)
            XCTAssertEqual(batch.length, 7)
            let padded = model.loss(ModelInput(ids: batch.inputIds, batch: batch.rows, length: batch.length,
                                               positions: batch.positionIds), labels: batch.labels)
            let (input, labels) = modelRows(batch)
            XCTAssertEqual(input.batch, 1)
            XCTAssertEqual(input.length, 3 + 7 + 5 + 2, "the padding is gone")
            let free = model.loss(input, labels: labels)
            XCTAssertEqual(free.count, padded.count, name)
            XCTAssertEqual(free.sum.item, padded.sum.item, accuracy: 1e-5 * abs(padded.sum.item), name)
            let expected = padded.sum.backward(), actual = free.sum.backward()
            for (path, parameter) in model.trainableParameters() {
                let a = try XCTUnwrap(actual[parameter]), e = try XCTUnwrap(expected[parameter])
                assertClose(a.scalars, e.scalars, rtol: 1e-4, atol: 1e-6, "\(name) \(path)")
            }
        }
    }

    func testBatchesWithoutPaddingPassUnchanged() {
        let same = examples().prefix(1).map { [$0] } + [[examples()[0]]]
        let batch = TokenBatch(groups: same, padId: 0)
        let (input, labels) = modelRows(batch)
        XCTAssertEqual(input.batch, 2)
        XCTAssertNil(input.sequenceIds)
        XCTAssertEqual(labels, batch.labels)
    }
}
