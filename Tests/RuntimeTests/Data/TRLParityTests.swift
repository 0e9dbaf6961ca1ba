import Foundation
import Runtime
import TestSupport
import XCTest

/// Token ids and labels against TRL's SFTTrainer on the same rows (Tests/Fixtures/data/trl_reference.json,
/// made by scripts/fixtures/data.py with the byte-level tokenizer ByteTestTokenizer mirrors).
final class TRLParityTests: XCTestCase {
    struct Reference: Decodable {
        struct Case: Decodable {
            var template: String
            var max_length: Int
            var completion_only: Bool
            var rows: [[String: String]]
            var rendered: [[String: String]]
            var expected: [Sequence]
        }
        struct Sequence: Decodable {
            var input_ids: [Int]
            var labels: [Int]
            var seq_lengths: [Int]?
        }
        struct Packing: Decodable {
            var max_length: Int
            var rows: [[String: String]]
            var packed: [Sequence]
            var collated: [String: [[Int]]]
        }
        struct BFD: Decodable {
            var max_length: Int
            var lengths: [Int]
            var rows: [[Int]]
            var seq_lengths: [[Int]]
        }
        var tokenization: [Case]
        var packing: Packing
        var bfd: [BFD]
        var csv: [String: [[String: String]]]
    }

    static let reference: Reference = {
        let data = try! Data(contentsOf: fixtureURL("data/trl_reference.json"))
        return try! JSONDecoder().decode(Reference.self, from: data)
    }()

    func table(_ rows: [[String: String]], keys: [String]) -> DataTable {
        DataTable(source: "fixture", rows: rows.enumerated().map { i, r in
            DataRow(fields: keys.compactMap { k in r[k].map { (k, DataValue.string($0)) } }, line: i + 1)
        })
    }

    func testTokenizationMatchesTRL() throws {
        for c in Self.reference.tokenization {
            let isText = c.template == "text"
            let data = table(c.rows, keys: isText ? ["text"] : ["instruction", "input", "output"])
            let template = try PromptTemplate.named(isText ? "plain" : c.template)
            let examples = try data.examples()
            // The rendering matches the fixture's prompt/completion strings.
            if !isText {
                for (e, r) in zip(examples, c.rendered) {
                    let segments = try template.render(e)
                    XCTAssertEqual(segments.map(\.text), [r["prompt"]!, r["completion"]!], "\(c.template) line \(e.row.line)")
                }
            }
            let options = TokenizationOptions(maxLength: c.max_length, loss: c.completion_only ? .completionOnly : .fullSequence)
            let result = try ExampleTokenizer(tokenizer: ByteTestTokenizer(), options: options).tokenize(examples, template: template)
            let label = "\(c.template) max \(c.max_length) completion-only \(c.completion_only)"
            XCTAssertEqual(result.examples.count, c.expected.count, label)
            XCTAssertEqual(result.summary.kept + result.summary.dropped.count, c.rows.count, label)
            for (ours, theirs) in zip(result.examples, c.expected) {
                XCTAssertEqual(ours.inputIds, theirs.input_ids, label)
                // TRL keeps the first label when not packing; it is never a target after the shift.
                XCTAssertEqual(ours.labels[0], ignoredLabel)
                XCTAssertEqual(Array(ours.labels.dropFirst()), Array(theirs.labels.dropFirst()), label)
            }
        }
    }
}
