import Foundation
import Runtime
import TestSupport
import XCTest

final class DataLoadingTests: XCTestCase {
    func parse(_ text: String, _ kind: DataFileKind) throws -> DataTable {
        try DataTable.parse(Array(text.utf8), kind: kind, source: "t.\(kind.rawValue)")
    }

    func assertError(_ text: String, _ kind: DataFileKind, line: Int?, column: Int? = nil, key: String? = nil,
                     contains: String, file: StaticString = #filePath, lineNo: UInt = #line) {
        XCTAssertThrowsError(try parse(text, kind), file: file, line: lineNo) { error in
            guard let e = error as? DataError else { return XCTFail("not a DataError: \(error)", file: file, line: lineNo) }
            XCTAssertEqual(e.file, "t.\(kind.rawValue)", file: file, line: lineNo)
            XCTAssertEqual(e.line, line, "\(e)", file: file, line: lineNo)
            if let column { XCTAssertEqual(e.column, column, "\(e)", file: file, line: lineNo) }
            XCTAssertEqual(e.key, key, "\(e)", file: file, line: lineNo)
            XCTAssertTrue(e.description.contains(contains), "\(e)", file: file, line: lineNo)
        }
    }

    func testJSONArrayRowsRememberTheirLines() throws {
        let t = try parse("[\n  {\"a\": \"x\", \"n\": 1.5},\n\n  {\"a\": \"\\u00e9\\ud83d\\ude00\\n\", \"b\": [true, null]}\n]\n", .json)
        XCTAssertEqual(t.rows.count, 2)
        XCTAssertEqual(t.rows.map(\.line), [2, 4])
        XCTAssertEqual(t.rows[0]["n"], .number(1.5))
        XCTAssertEqual(t.rows[1]["a"], .string("é😀\n"))
        XCTAssertEqual(t.rows[1]["b"], .array([.bool(true), .null]))
        XCTAssertEqual(t.rows[1].keys, ["a", "b"])
    }

    func testJSONLSkipsBlankLinesAndNamesLines() throws {
        let t = try parse("{\"text\": \"a\"}\n\n   \n{\"text\": \"b\"}\r\n", .jsonl)
        XCTAssertEqual(t.rows.map(\.line), [1, 4])
        XCTAssertEqual(t.rows[1]["text"], .string("b"))
        // A .json file holding JSON Lines is read as JSON Lines (as HF load_dataset does).
        XCTAssertEqual(try parse("\u{FEFF}{\"text\": \"a\"}\n{\"text\": \"b\"}\n", .json).rows.count, 2)
    }

    func testJSONSyntaxErrorsNameLineAndColumn() {
        assertError("{\"a\": 1}\n{\"a\": tru}\n", .jsonl, line: 2, column: 7, contains: "t.jsonl:2:7")
        assertError("{\"a\": 1}\n[1, 2]\n", .jsonl, line: 2, contains: "expected a JSON object")
        assertError("{\"a\": 1} x\n", .jsonl, line: 1, contains: "after the row's object")
        assertError("[\n {\"a\": 1},\n 7\n]", .json, line: 3, contains: "row 2 is a number, expected an object")
        assertError("[\n {\"a\": \"unterminated}\n]", .json, line: 2, contains: "line break inside a string")
        assertError("[{\"a\": 01}]", .json, line: 1, contains: "invalid number")
        assertError("[{\"a\": 1} {\"a\": 2}]", .json, line: 1, contains: "expected ',' or ']'")
        assertError("\n\"rows\"", .json, line: 2, column: 1, contains: "expected a JSON array of objects")
    }

    func testEmptyDataSetIsAnError() {
        assertError("[]", .json, line: nil, contains: "empty")
        assertError("\n\n", .jsonl, line: nil, contains: "empty")
        assertError("a,b\n", .csv, line: nil, contains: "empty")
        assertError("", .csv, line: nil, contains: "empty")
    }

    func testDeepNestingIsRefusedNotRecursed() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        assertError("{\"a\": \(deep)}", .jsonl, line: 1, contains: "nested deeper")
    }

    /// Python's csv.DictReader on the same bytes (scripts/fixtures/data.py).
    func testCSVMatchesPythonCSVModule() throws {
        let t = try DataTable.load(fixtureURL("data/tricky.csv"))
        let expected = TRLParityTests.reference.csv["rows"]!
        XCTAssertEqual(t.rows.count, expected.count)
        for (row, want) in zip(t.rows, expected) {
            XCTAssertEqual(row.keys, ["instruction", "input", "output"])
            for (k, v) in want { XCTAssertEqual(row[k], .string(v), "line \(row.line) key \(k)") }
        }
        // Records that span lines start where they start.
        XCTAssertEqual(t.rows.map(\.line), [2, 3, 5, 6, 8])
    }

    func testCSVErrors() {
        assertError("a,b\n1,2,3\n", .csv, line: 2, contains: "row has 3 fields, the header has 2")
        assertError("a,b\n1,\"open\n2,3\n", .csv, line: 2, contains: "never closed")
        assertError("a,b\n\"x\"y,2\n", .csv, line: 2, contains: "after a closing quote")
        assertError("a,a\n1,2\n", .csv, line: 1, key: "a", contains: "twice")
        assertError("a,\n1,2\n", .csv, line: 1, contains: "column 2 has no name")
    }

    func testCSVEdgeCells() throws {
        let t = try parse("a,b\n,\n\"\",\"\"\"\"\nx,\"\"\n", .csv)
        XCTAssertEqual(t.rows.map { [$0["a"]!, $0["b"]!] }, [[.string(""), .string("")], [.string(""), .string("\"")],
                                                               [.string("x"), .string("")]])
    }

    func testLoadNamesTheFile() {
        let url = URL(fileURLWithPath: "/nonexistent/rows.jsonl")
        XCTAssertThrowsError(try DataTable.load(url)) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/rows.jsonl: cannot read"), "\(error)")
        }
        XCTAssertThrowsError(try DataTable.load(URL(fileURLWithPath: "/tmp/rows.parquet"))) { error in
            XCTAssertTrue("\(error)".contains("unknown data file extension '.parquet'"), "\(error)")
        }
    }
}

extension DataLoadingTests {
    func testRepeatedKeyReadsTheLastValueAsPythonDoes() throws {
        let t = try parse("{\"text\": \"first\", \"text\": \"second\"}\n", .jsonl)
        XCTAssertEqual(t.rows[0]["text"], .string("second"))
    }
}
