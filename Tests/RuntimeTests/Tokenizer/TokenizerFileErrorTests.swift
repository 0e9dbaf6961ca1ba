import Foundation
import XCTest
import TestSupport
@testable import Runtime

/// Bad files give errors that name the file and the JSON path, never a crash.
final class TokenizerFileErrorTests: XCTestCase {
    static let minimal = #"""
    {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]},
     "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "decoder": {"type": "ByteLevel"}}
    """#

    func parse(_ json: String) throws -> Tokenizer {
        try Tokenizer(tokenizerJSON: Data(json.utf8), file: "t.json")
    }

    func assertError(_ json: String, _ expected: TokenizerError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(json), file: file, line: line) { error in
            XCTAssertEqual(error as? TokenizerError, expected, file: file, line: line)
        }
    }

    func testMinimalParsesAndMerges() throws {
        XCTAssertEqual(try parse(Self.minimal).encode("ab", addSpecialTokens: true), [2])
    }

    func testSyntaxErrorNamesFile() {
        XCTAssertThrowsError(try parse("{\"model\": ")) { error in
            guard case .invalidJSON(let file, _) = error as? TokenizerError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "t.json")
        }
    }

    func testUnknownModelType() {
        assertError(#"{"model": {"type": "WordPiece", "vocab": {}}}"#,
                    .unsupported(file: "t.json", path: "model.type", type: "WordPiece"))
    }

    func testUnknownPreTokenizerInSequence() {
        let json = Self.minimal.replacingOccurrences(
            of: #"{"type": "ByteLevel", "add_prefix_space": false}"#,
            with: #"{"type": "Sequence", "pretokenizers": [{"type": "Digits"}, {"type": "BertPreTokenizer"}]}"#)
        assertError(json, .unsupported(file: "t.json", path: "pre_tokenizer.pretokenizers[1].type", type: "BertPreTokenizer"))
    }

    func testUnknownNormalizerAndDecoder() {
        assertError(Self.minimal.replacingOccurrences(of: #""decoder": {"type": "ByteLevel"}"#,
                                                      with: #""decoder": {"type": "WordPiece"}"#),
                    .unsupported(file: "t.json", path: "decoder.type", type: "WordPiece"))
        assertError(Self.minimal.replacingOccurrences(of: #""decoder""#, with: #""normalizer": {"type": "Precompiled"}, "decoder""#),
                    .unsupported(file: "t.json", path: "normalizer.type", type: "Precompiled"))
    }

    func testBadMergeNamesIndex() {
        assertError(Self.minimal.replacingOccurrences(of: #"["a b"]"#, with: #"["a b", 7]"#),
                    .malformed(file: "t.json", path: "model.merges[1]", expected: "a merge \"a b\" or [\"a\", \"b\"]"))
        assertError(Self.minimal.replacingOccurrences(of: #"["a b"]"#, with: #"["a c"]"#),
                    .malformed(file: "t.json", path: "model.merges[0]", expected: "tokens in the vocabulary (\"c\" is not)"))
    }

    func testMissingVocab() {
        assertError(#"{"model": {"type": "BPE", "merges": []}}"#,
                    .malformed(file: "t.json", path: "model.vocab", expected: "a value"))
        assertError(#"{"model": {"type": "BPE", "vocab": {"a": "zero"}}}"#,
                    .malformed(file: "t.json", path: "model.vocab.a", expected: "a token id"))
    }

    func testBadAddedToken() {
        assertError(Self.minimal.replacingOccurrences(of: #""decoder""#, with: #""added_tokens": [{"id": 3}], "decoder""#),
                    .malformed(file: "t.json", path: "added_tokens[0].content", expected: "a value"))
    }

    func testFolderWithoutTokenizer() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try Tokenizer.load(folder: folder)) { error in
            XCTAssertEqual(error as? TokenizerError, .notFound(folder: folder.path))
        }
    }

    func testBadMergesTxtNamesLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"a": 0, "b": 1, "ab": 2}"#.utf8).write(to: folder.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\na b\nab\n".utf8).write(to: folder.appendingPathComponent("merges.txt"))
        XCTAssertThrowsError(try Tokenizer.load(folder: folder)) { error in
            XCTAssertEqual(error as? TokenizerError, .malformed(file: folder.appendingPathComponent("merges.txt").path,
                                                                path: "line 3", expected: "two tokens separated by one space"))
        }
    }

    func testRegexThatDoesNotCompile() {
        let json = Self.minimal.replacingOccurrences(
            of: #"{"type": "ByteLevel", "add_prefix_space": false}"#,
            with: #"{"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}"#)
        assertError(json, .malformed(file: "t.json", path: "pre_tokenizer.pattern.Regex",
                                     expected: "a regular expression (this one does not compile)"))
    }

    /// An unknown split regex still works, through the general regex engine.
    func testUnknownSplitRegexFallsBack() throws {
        let json = Self.minimal.replacingOccurrences(
            of: #"{"type": "ByteLevel", "add_prefix_space": false}"#,
            with: #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "b+"}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}"#)
        // "abab" splits as a|b|a|b, so the merge a+b never applies.
        XCTAssertEqual(try parse(json).encode("abab", addSpecialTokens: false), [0, 1, 0, 1])
    }

    /// ignore_merges takes a whole piece found in the vocabulary even when no merge builds it.
    func testIgnoreMergesTakesWholeWord() throws {
        let json = #"""
        {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4}, "merges": ["a b"],
                   "ignore_merges": IGNORE},
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "decoder": {"type": "ByteLevel"}}
        """#
        XCTAssertEqual(try parse(json.replacingOccurrences(of: "IGNORE", with: "false")).encode("abc", addSpecialTokens: false), [3, 2])
        XCTAssertEqual(try parse(json.replacingOccurrences(of: "IGNORE", with: "true")).encode("abc", addSpecialTokens: false), [4])
    }

    /// ";" and the Greek question mark are canonically equivalent, yet distinct tokens (Gemma has
    /// both); vocabulary keys compare byte for byte.
    func testCanonicallyEquivalentTokensStayDistinct() throws {
        let json = #"""
        {"model": {"type": "BPE", "vocab": {";": 0, "\u037e": 1, "e": 2, "\u0301": 3, "\u0341": 4}, "merges": []},
         "decoder": {"type": "Fuse"}}
        """#
        let tokenizer = try parse(json)
        XCTAssertEqual(tokenizer.encode(";\u{37E}e\u{301}e\u{341}", addSpecialTokens: false), [0, 1, 2, 3, 2, 4])
        XCTAssertEqual(tokenizer.tokenId("\u{37E}"), 1)
        XCTAssertEqual(tokenizer.decode([1, 0], skipSpecialTokens: false).unicodeScalars.map(\.value), [0x37E, 0x3B])
    }

    func testSyntaxErrorNamesLineAndColumn() {
        XCTAssertThrowsError(try parse("{\n  \"model\": [1,,2]\n}")) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidJSON(file: "t.json", reason: "line 2, column 15: expected a value"))
        }
    }
}
