import Runtime
import XCTest

final class BatchingTests: XCTestCase {
    func dataset(_ completions: [String], tokenizer: ByteTestTokenizer = ByteTestTokenizer(), maxLength: Int = 64) throws -> TokenizedDataset {
        let examples = completions.enumerated().map { i, c in
            SourceExample(content: .promptCompletion(prompt: "Q", completion: c), row: DataRow(fields: [], line: i + 1), index: i)
        }
        return try ExampleTokenizer(tokenizer: tokenizer, options: TokenizationOptions(maxLength: maxLength))
            .tokenize(examples, template: .plain)
    }

    func testPaddedBatchWithPadEqualToEOSKeepsTheRealEOSLabel() throws {
        var noPad = ByteTestTokenizer()
        noPad.hasPad = false
        let padId = try paddingTokenId(of: noPad)
        XCTAssertEqual(padId, 2)  // falls back to EOS
        let data = try dataset(["a", "abc"], tokenizer: noPad)
        let b = TokenBatch(groups: data.examples.map { [$0] }, padId: padId, padToMultipleOf: 4)
        XCTAssertEqual(b.rows, 2)
        XCTAssertEqual(b.length, 8)  // longest 6 (<s> Q a b c </s>) rounded up to 4
        let a = 7 + 97, q = 7 + 81
        XCTAssertEqual(Array(b.inputIds[0..<8]), [1, q, a, 2, 2, 2, 2, 2])
        XCTAssertEqual(Array(b.labels[0..<8]), [-100, -100, a, 2, -100, -100, -100, -100])
        XCTAssertEqual(Array(b.sequenceIds[0..<8]), [0, 0, 0, 0, -1, -1, -1, -1])
        XCTAssertEqual(Array(b.positionIds[0..<8]), [0, 1, 2, 3, 0, 0, 0, 0])
        XCTAssertEqual(b.realTokens, 10)
        XCTAssertEqual(b.supervisedTokens, 2 + 4)
        XCTAssertEqual(b.fillRatio, 10.0 / 16.0)
        XCTAssertEqual(b.exampleIndices, [[0], [1]])
        struct Nothing: TextTokenizer {
            func encode(_ text: String, addSpecialTokens: Bool) -> [Int] { [] }
            func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String { "" }
            var vocabularySize: Int { 0 }
            var bosTokenId: Int? { nil }
            var eosTokenId: Int? { nil }
            var padTokenId: Int? { nil }
            func tokenId(_ token: String) -> Int? { nil }
        }
        XCTAssertThrowsError(try paddingTokenId(of: Nothing())) { XCTAssertTrue("\($0)".contains("neither a pad nor an EOS")) }
    }

    func testPackedRowsRestartPositionsAndSeparateSequences() throws {
        // Lengths 3 + completion + 1: "a"*n gives n + 3 tokens.
        let data = try dataset(["aaaaa", "a", "aaa", "aaaaaaa"], maxLength: 12)
        XCTAssertEqual(data.examples.map(\.length), [8, 4, 6, 10])
        let s = try EpochSchedule(dataset: data, batchSize: 8, shuffle: false, padId: 0, packCapacity: 12)
        XCTAssertEqual(s.units, [[3], [0, 1], [2]])
        let b = s.batch(at: DataPosition())
        XCTAssertEqual(b.length, 12)
        let row1 = 12..<24
        XCTAssertEqual(Array(b.positionIds[row1]), [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3])
        XCTAssertEqual(Array(b.sequenceIds[row1]), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
        // The second example's first token is never predicted from the first example.
        XCTAssertEqual(b.labels[12 + 8], -100)
        XCTAssertEqual(b.exampleIndices, [[3], [0, 1], [2]])
        XCTAssertEqual(s.fillRatio, 28.0 / 36.0, accuracy: 1e-12)
        XCTAssertThrowsError(try EpochSchedule(dataset: data, batchSize: 2, padId: 0, packCapacity: 9)) {
            XCTAssertTrue("\($0)".contains("an example of 10 tokens does not fit packed rows of 9 tokens"), "\($0)")
        }
    }

    func testEpochOrderIsSeededAndResumable() throws {
        let data = try dataset((0..<10).map { String(repeating: "a", count: $0 + 1) })
        let s = try EpochSchedule(dataset: data, batchSize: 3, seed: 42, padId: 0)
        XCTAssertEqual(s.batchesPerEpoch, 4)
        let again = try EpochSchedule(dataset: data, batchSize: 3, seed: 42, padId: 0)
        XCTAssertEqual(s.order(epoch: 0), again.order(epoch: 0))
        XCTAssertNotEqual(s.order(epoch: 0), s.order(epoch: 1))
        XCTAssertNotEqual(s.order(epoch: 0), try EpochSchedule(dataset: data, batchSize: 3, seed: 7, padId: 0).order(epoch: 0))
        // Epoch e's order is the documented generator's permutation for stream e.
        var g = ShuffleGenerator(seed: 42, stream: 1)
        XCTAssertEqual(s.order(epoch: 1), g.permutation(10))
        // Walk 7 batches, "stop", then resume from the saved position in a fresh schedule.
        var position = DataPosition()
        var straight: [TokenBatch] = []
        for _ in 0..<10 {
            straight.append(s.batch(at: position))
            position = s.position(after: position)
        }
        var resumed = Array(straight.prefix(7))
        var saved = DataPosition()
        for _ in 0..<7 { saved = s.position(after: saved) }
        XCTAssertEqual(saved, DataPosition(epoch: 1, batch: 3))
        for _ in 7..<10 {
            resumed.append(again.batch(at: saved))
            saved = again.position(after: saved)
        }
        XCTAssertEqual(resumed, straight)
        // The cursor walks the same batches, and resumes from a saved position.
        var cursor = try EpochCursor(schedule: s)
        XCTAssertEqual((0..<10).map { _ in cursor.next() }, straight)
        XCTAssertEqual(cursor.position, DataPosition(epoch: 2, batch: 2))
        var resumedCursor = try EpochCursor(schedule: again, from: DataPosition(epoch: 1, batch: 3))
        XCTAssertEqual((7..<10).map { _ in resumedCursor.next() }, Array(straight[7...]))
        XCTAssertThrowsError(try EpochCursor(schedule: s, from: DataPosition(epoch: 0, batch: 4))) {
            XCTAssertTrue("\($0)".contains("an epoch has 4 batches"), "\($0)")
        }
        // Every example is seen once per epoch; the last batch of an epoch holds the remainder.
        let epoch0 = (0..<4).flatMap { s.batch(at: DataPosition(epoch: 0, batch: $0)).exampleIndices.flatMap { $0 } }
        XCTAssertEqual(epoch0.sorted(), Array(0..<10))
        XCTAssertEqual(s.batch(at: DataPosition(epoch: 0, batch: 3)).rows, 1)
        XCTAssertEqual(try EpochSchedule(dataset: data, batchSize: 3, shuffle: false, padId: 0).order(epoch: 5), Array(0..<10))
    }

    func testScheduleRefusesBadSettingsAndEmptyData() throws {
        let data = try dataset(["a"])
        XCTAssertThrowsError(try EpochSchedule(dataset: data, batchSize: 0, padId: 0)) { XCTAssertTrue("\($0)".contains("batch size 0")) }
        let empty = TokenizedDataset(examples: [], summary: TokenizationSummary())
        XCTAssertThrowsError(try EpochSchedule(dataset: empty, batchSize: 1, padId: 0)) { XCTAssertTrue("\($0)".contains("no examples left")) }
    }

    func testPaddedFillRatioCountsEachBatchArea() throws {
        let data = try dataset(["a", "aaa", "aaaaa"])  // lengths 4, 6, 8
        let s = try EpochSchedule(dataset: data, batchSize: 2, shuffle: false, padId: 0)
        XCTAssertEqual(s.fillRatio, 18.0 / (2 * 6 + 1 * 8), accuracy: 1e-12)
    }

    func testStatsAndLengthFilter() throws {
        let data = try dataset((1...10).map { String(repeating: "a", count: $0) })  // lengths 4...13
        let st = data.stats
        XCTAssertEqual(st.examples, 10)
        XCTAssertEqual(st.totalTokens, (4...13).reduce(0, +))
        XCTAssertEqual(st.supervisedTokens, (2...11).reduce(0, +))
        XCTAssertEqual(st.meanLength, 8.5)
        XCTAssertEqual(st.lengthPercentiles.map(\.length), [4, 8, 12, 13, 13, 13])
        XCTAssertEqual(st.supervisedPercentiles.map(\.count), [2, 6, 10, 11, 11, 11])
        let (kept, removed) = data.filtered(length: 5...9)
        XCTAssertEqual(kept.examples.map(\.length), [5, 6, 7, 8, 9])
        XCTAssertEqual(removed, 5)
        XCTAssertEqual(TokenizedDataset(examples: [], summary: TokenizationSummary()).stats.lengthPercentiles.map(\.length), [0, 0, 0, 0, 0, 0])
    }
}
