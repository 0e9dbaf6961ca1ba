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
        struct Shuffle: Decodable {
            struct Permutation: Decodable {
                var seed: String
                var stream: Int
                var count: Int
                var permutation: [Int]
            }
            var permutations: [Permutation]
        }
        var shuffle: Shuffle
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

extension TRLParityTests {
    func testBestFitDecreasingMatchesTRLPackDataset() {
        for c in Self.reference.bfd {
            let rows = BestFitPacking.rows(lengths: c.lengths, capacity: c.max_length)
            XCTAssertEqual(rows, c.rows, "capacity \(c.max_length) lengths \(c.lengths)")
            XCTAssertEqual(rows.map { $0.map { c.lengths[$0] } }, c.seq_lengths)
        }
    }

    func testPackedRowsMatchTRLPackingAndCollator() throws {
        let p = Self.reference.packing
        let data = table(p.rows, keys: ["prompt", "completion"])
        let options = TokenizationOptions(maxLength: p.max_length)
        let tokenized = try ExampleTokenizer(tokenizer: ByteTestTokenizer(), options: options)
            .tokenize(try data.examples(), template: .plain)
        let schedule = try EpochSchedule(dataset: tokenized, batchSize: 100, shuffle: false, padId: 0,
                                         packCapacity: p.max_length)
        XCTAssertEqual(schedule.units.count, p.packed.count)
        for (unit, theirs) in zip(schedule.units, p.packed) {
            let examples = unit.map { tokenized.examples[$0] }
            XCTAssertEqual(examples.flatMap(\.inputIds), theirs.input_ids)
            XCTAssertEqual(examples.map(\.length), theirs.seq_lengths)
        }
        // TRL's padding-free collator puts every packed row in one flat sequence; ours are rows of a
        // batch. The real tokens, positions and labels must agree in order.
        let batch = schedule.batch(at: DataPosition())
        let real = batch.sequenceIds.indices.filter { batch.sequenceIds[$0] >= 0 }
        XCTAssertEqual(real.map { batch.inputIds[$0] }, p.collated["input_ids"]![0])
        XCTAssertEqual(real.map { batch.positionIds[$0] }, p.collated["position_ids"]![0])
        XCTAssertEqual(real.map { batch.labels[$0] }, p.collated["labels"]![0])
        XCTAssertEqual(batch.length, p.max_length)
    }
}
