import Foundation
import Runtime
import XCTest

/// The data sets in recipes/data (scripts/make_datasets.py) load, have the format their recipes
/// expect, and tokenize with nothing dropped or truncated.
final class ShippedDatasetTests: XCTestCase {
    static let dataDir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("recipes/data")

    func check(_ name: String, format: RowFormat, rows: Int, mapping: String? = nil, template: PromptTemplate,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let table = try DataTable.load(Self.dataDir.appendingPathComponent(name))
        XCTAssertEqual(table.rows.count, rows, name, file: file, line: line)
        let examples = try table.examples(mapping: mapping.map(ColumnMapping.init(parsing:)) ?? ColumnMapping())
        XCTAssertEqual(RowFormat.detect(columns: try mapping.map(ColumnMapping.init(parsing:))?.apply(to: table.rows[0]).keys
                           ?? table.rows[0].keys), format, name, file: file, line: line)
        let t = try ExampleTokenizer(tokenizer: ByteTestTokenizer(), options: TokenizationOptions(maxLength: 1024))
        // Every row is read and checked above; tokenizing a sample keeps debug test runs short.
        let result = try t.tokenize(Array(examples.prefix(300)), template: template)
        XCTAssertEqual(result.summary.dropped, [], name, file: file, line: line)
        XCTAssertEqual(result.summary.truncated, 0, name, file: file, line: line)
        XCTAssertTrue(result.examples.allSatisfy { $0.supervisedCount > 0 }, name, file: file, line: line)
    }

    func testEveryShippedDataSetLoadsAndTokenizes() throws {
        try check("list-string-tasks.jsonl", format: .alpaca, rows: 2000, template: .gemmaTurns)
        try check("code-gen.jsonl", format: .alpaca, rows: 319, template: .alpaca)
        try check("summarize.jsonl", format: .promptCompletion, rows: 400, template: .plain)
        try check("qa.jsonl", format: .alpaca, rows: 400, mapping: "instruction=question,input=context,output=answer",
                  template: .gemmaTurns)
        try check("chat.jsonl", format: .messages, rows: 300, template: .chatml)
    }

    func testListStringTasksAnswersAreExact() throws {
        // Spot-check the generator's arithmetic on the committed file.
        let rows = try DataTable.load(Self.dataDir.appendingPathComponent("list-string-tasks.jsonl")).examples()
        var checked = 0
        for case let .instruction(instruction, input, output) in rows.map(\.content) {
            switch instruction {
            case "Reverse the letters of the word.": XCTAssertEqual(String(input.reversed()), output)
            case "Sort the numbers in ascending order.":
                XCTAssertEqual(input.split(separator: " ").map { Int($0)! }.sorted().map(String.init).joined(separator: " "), output)
            case "Convert the text to uppercase.": XCTAssertEqual(input.uppercased(), output)
            case "Add up the numbers.": XCTAssertEqual(String(input.split(separator: " ").map { Int($0)! }.reduce(0, +)), output)
            default: continue
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 300)
    }
}

extension ShippedDatasetTests {
    func testOneCallPreparationAndTemplateResolution() throws {
        let table = try DataTable.parse(Array("{\"prompt\": \"P\", \"completion\": \"C\"}\n".utf8), kind: .jsonl, source: "x.jsonl")
        let data = try table.tokenized(tokenizer: ByteTestTokenizer())
        XCTAssertEqual(data.examples[0].inputIds, [1, 7 + 80, 7 + 67, 2])  // plain: prompt + completion + EOS
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sft-data-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "<<{prompt}>>{@completion}{completion}\n".write(to: dir.appendingPathComponent("t.tmpl"), atomically: true, encoding: .utf8)
        let t = try PromptTemplate.resolve("t.tmpl", directory: dir)
        XCTAssertEqual(try table.tokenized(template: t, tokenizer: ByteTestTokenizer()).examples[0].labels.suffix(2), [7 + 67, 2])
        XCTAssertEqual(try PromptTemplate.resolve("gemma-turns").name, "gemma-turns")
        XCTAssertThrowsError(try PromptTemplate.resolve("nope.tmpl", directory: dir)) {
            XCTAssertTrue("\($0)".contains("unknown template 'nope.tmpl'"))
        }
    }
}
