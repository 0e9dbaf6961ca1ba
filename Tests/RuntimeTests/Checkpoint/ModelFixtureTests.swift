import Foundation
import Runtime
import TestSupport
import XCTest

/// The model fixtures other layers verify against are complete and consistent: every stored
/// parameter has a gradient of its shape, the inputs are as documented, and the weights load.
final class ModelFixtureTests: XCTestCase {
    func testEveryModelFixtureIsComplete() throws {
        for name in ["gpt2", "llama-tied", "llama3-rope", "qwen2", "mistral"] {
            let checkpoint = try ModelCheckpoint.load(from: fixtureURL("models/\(name)"))
            let reference = try SafetensorsFile(url: fixtureURL("models/\(name)/reference.safetensors"))
            let config = checkpoint.config
            XCTAssertEqual(try reference.tensor("logits").shape, [2, 16, config.vocabSize], name)
            XCTAssertEqual(try reference.tensor("loss").shape, [], name)
            let loss = try reference.tensor("loss").floats()[0]
            XCTAssertTrue(loss > 4 && loss < 8, "\(name): loss \(loss) should be near ln(\(config.vocabSize))")
            let ids = try XCTUnwrap(try reference.tensor("input_ids").integers())
            let labels = try XCTUnwrap(try reference.tensor("labels").integers())
            XCTAssertEqual(ids.count, 32)
            XCTAssertTrue(ids.allSatisfy { $0 >= 0 && $0 < config.vocabSize }, name)
            XCTAssertEqual(Array(labels[16..<21]), [Int](repeating: -100, count: 5), name)
            XCTAssertEqual(Array(labels[21...]), Array(ids[21...]), name)
            XCTAssertEqual(Array(labels[..<16]), Array(ids[..<16]), name)

            let gradients = Set(reference.tensorNames.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) })
            XCTAssertEqual(gradients, Set(checkpoint.tensors.keys), "\(name): one gradient per stored parameter")
            for (parameter, tensor) in checkpoint.tensors {
                XCTAssertEqual(try reference.tensor("grad." + parameter).shape, tensor.shape, "\(name) \(parameter)")
            }
            XCTAssertEqual(checkpoint.tensors["lm_head.weight"] == nil, config.tieWordEmbeddings || config.family == .gpt2, name)
        }
    }
}
