import Runtime
import XCTest

final class RowFormatTests: XCTestCase {
    func table(_ jsonl: String) throws -> DataTable {
        try DataTable.parse(Array(jsonl.utf8), kind: .jsonl, source: "rows.jsonl")
    }

    func assertError(_ jsonl: String, format: RowFormat? = nil, mapping: ColumnMapping = ColumnMapping(),
                     line: Int, key: String?, contains: String, file: StaticString = #filePath, lineNo: UInt = #line) {
        XCTAssertThrowsError(try table(jsonl).examples(format: format, mapping: mapping), file: file, line: lineNo) { error in
            let e = error as! DataError
            XCTAssertEqual(e.line, line, "\(e)", file: file, line: lineNo)
            XCTAssertEqual(e.key, key, "\(e)", file: file, line: lineNo)
            XCTAssertTrue(e.description.contains(contains), "\(e)", file: file, line: lineNo)
            XCTAssertTrue(e.description.hasPrefix("rows.jsonl:\(line)"), "\(e)", file: file, line: lineNo)
        }
    }

    func testDetectsEachFormatFromColumns() throws {
        XCTAssertEqual(RowFormat.detect(columns: ["instruction", "input", "output"]), .alpaca)
        XCTAssertEqual(RowFormat.detect(columns: ["instruction", "output"]), .alpaca)
        XCTAssertEqual(RowFormat.detect(columns: ["prompt", "completion", "id"]), .promptCompletion)
        XCTAssertEqual(RowFormat.detect(columns: ["messages"]), .messages)
        XCTAssertEqual(RowFormat.detect(columns: ["text", "meta"]), .text)
        XCTAssertNil(RowFormat.detect(columns: ["question", "answer"]))

        let e = try table("{\"instruction\": \"i\", \"output\": \"o\"}\n{\"instruction\": \"j\", \"input\": null, \"output\": \"p\"}").examples()
        XCTAssertEqual(e.map(\.content), [.instruction(instruction: "i", input: "", output: "o"),
                                          .instruction(instruction: "j", input: "", output: "p")])
        let m = try table(#"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}"#).examples()
        XCTAssertEqual(m[0].content, .conversation([ConversationTurn(role: "user", content: "hi"),
                                                    ConversationTurn(role: "assistant", content: "yo")]))
    }

    func testColumnMapping() throws {
        let mapping = try ColumnMapping(parsing: "prompt=question, completion=answer")
        XCTAssertEqual(mapping.sources, ["prompt": "question", "completion": "answer"])
        let e = try table(#"{"question": "q?", "answer": "a."}"#).examples(mapping: mapping)
        XCTAssertEqual(e[0].content, .promptCompletion(prompt: "q?", completion: "a."))
        XCTAssertEqual(e[0].row["question"], .string("q?"))  // original columns stay for template files
        XCTAssertThrowsError(try ColumnMapping(parsing: "prompt")) { XCTAssertTrue("\($0)".contains("expected canonical=column")) }
        XCTAssertThrowsError(try ColumnMapping(parsing: "prompt=a,prompt=b")) { XCTAssertTrue("\($0)".contains("twice")) }
        assertError(#"{"question": "q?"}"#, mapping: mapping, line: 1, key: nil, contains: "cannot tell the format")
    }

    func testMissingColumnsAndWrongTypesNameRowAndKey() {
        assertError("{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"c\", \"outptu\": \"d\"}",
                    format: .alpaca, line: 2, key: "output", contains: "missing column 'output'")
        assertError("{\"prompt\": \"a\", \"completion\": \"b\"}\n\n{\"prompt\": \"a\", \"completion\": 42}",
                    line: 3, key: "completion", contains: "expected a string, found a number")
        assertError(#"{"text": ["a"]}"#, line: 1, key: "text", contains: "found an array")
        assertError(#"{"messages": "hi"}"#, line: 1, key: "messages", contains: "expected a JSON value")
        assertError(#"{"messages": {"role": "user"}}"#, line: 1, key: "messages", contains: "expected a list")
        assertError(#"{"messages": []}"#, line: 1, key: "messages", contains: "no messages")
        assertError(#"{"messages": [{"role": "user", "content": "a"}, "b"]}"#, line: 1, key: "messages[1]", contains: "expected an object")
        assertError(#"{"messages": [{"content": "a"}]}"#, line: 1, key: "messages[0].role", contains: "role")
        assertError(#"{"messages": [{"role": "user", "content": null}]}"#, line: 1, key: "messages[0].content", contains: "found null")
    }

    func testCSVMessagesCellHoldsJSON() throws {
        let csv = "messages\n\"[{\"\"role\"\": \"\"user\"\", \"\"content\"\": \"\"a\"\"}]\"\n"
        let e = try DataTable.parse(Array(csv.utf8), kind: .csv, source: "m.csv").examples()
        XCTAssertEqual(e[0].content, .conversation([ConversationTurn(role: "user", content: "a")]))
    }
}
