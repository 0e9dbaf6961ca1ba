import Runtime
import XCTest

final class ShuffleSplitTests: XCTestCase {
    func testGeneratorMatchesTheDocumentedAlgorithm() {
        // SplitMix64's published test vector for seed 1234567, and the Python transcription's
        // permutations (scripts/fixtures/data.py).
        let ref = TRLParityTests.reference
        var g = ShuffleGenerator(seed: 1_234_567)
        XCTAssertEqual((0..<5).map { _ in String(g.next()) }, ["6457827717110365317", "3203168211198807973", "9817491932198370423",
                                                                "4593380528125082431", "16408922859458223821"])
        for c in ref.shuffle.permutations {
            var g = ShuffleGenerator(seed: UInt64(c.seed)!, stream: UInt64(c.stream))
            XCTAssertEqual(g.permutation(c.count), c.permutation, "seed \(c.seed) stream \(c.stream)")
        }
        var u = ShuffleGenerator(seed: 3)
        XCTAssertTrue((0..<200).allSatisfy { _ in (0..<7).contains(u.uniform(7)) })
    }

    func table(_ n: Int) -> DataTable {
        DataTable(source: "s.jsonl", rows: (0..<n).map { DataRow(fields: [("text", .string("r\($0)"))], line: $0 + 1) })
    }

    func testSplitIsSeededDisjointAndKeepsFileOrder() throws {
        let t = table(20)
        let (train, test) = try t.split(test: .fraction(0.1), seed: 42)
        XCTAssertEqual(test.rows.count, 2)
        XCTAssertEqual(train.rows.count, 18)
        XCTAssertEqual(Set(train.rows.map(\.line)).union(test.rows.map(\.line)), Set(1...20))
        XCTAssertEqual(test.rows.map(\.line), test.rows.map(\.line).sorted())
        var g = ShuffleGenerator(seed: 42)
        XCTAssertEqual(Set(test.rows.map { $0.line - 1 }), Set(g.permutation(20).prefix(2)))
        XCTAssertEqual(try t.split(test: .fraction(0.1), seed: 42).test, test)
        XCTAssertNotEqual(try t.split(test: .fraction(0.1), seed: 43).test, test)
        XCTAssertEqual(try t.split(test: .count(5), seed: 1).test.rows.count, 5)
        XCTAssertEqual(try t.split(test: .fraction(0.01), seed: 1).test.rows.count, 1)  // rounded up
        for bad in [TestSplitSize.fraction(0), .fraction(1), .count(0), .count(20)] {
            XCTAssertThrowsError(try t.split(test: bad, seed: 1), "\(bad)") { XCTAssertEqual(($0 as! DataError).key, "test") }
        }
    }

    func testShuffleTakeSelect() throws {
        let t = table(6)
        let s = t.shuffled(seed: 9)
        var g = ShuffleGenerator(seed: 9)
        XCTAssertEqual(s.rows.map(\.line), g.permutation(6).map { $0 + 1 })
        XCTAssertEqual(t.taking(2).rows.map(\.line), [1, 2])
        XCTAssertEqual(t.taking(99).rows.count, 6)
        XCTAssertEqual(try t.selecting([5, 0]).rows.map(\.line), [6, 1])
        XCTAssertThrowsError(try t.selecting([6])) { XCTAssertTrue("\($0)".contains("row index 6 is out of range")) }
    }
}
