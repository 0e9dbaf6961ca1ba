import Foundation
import XCTest
import TestSupport
@testable import Runtime

/// Encode and decode agree exactly with transformers on the committed corpus
/// (Tests/Fixtures/tokenizers, made by scripts/fixtures/tokenizers.py).
final class TokenizerParityTests: XCTestCase {
    struct Expected: Decodable {
        struct Case: Decodable {
            let text: String, ids: [Int], ids_special: [Int], ids_split_special: [Int], decoded: String, decoded_skip: String
        }
        struct Prefix: Decodable { let ids: [Int], text: String }
        struct Fuzz: Decodable { let text: String, ids: [Int] }
        let cases: [Case]
        let decode_prefixes: [Prefix]
        /// Random strings over characters where scanners and regexes could part ways.
        let fuzz: [Fuzz]
    }

    static func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: fixtureURL("tokenizers/\(name).expected.json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    static func check(_ name: String, _ tokenizer: Tokenizer, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try Self.expected(name)
        var failures = 0
        for c in expected.cases {
            let ids = tokenizer.encode(c.text, addSpecialTokens: false)
            let special = tokenizer.encode(c.text, addSpecialTokens: true)
            let decoded = tokenizer.decode(c.ids_special, skipSpecialTokens: false)
            let skipped = tokenizer.decode(c.ids_special, skipSpecialTokens: true)
            let plain = tokenizer.encode(c.text, addSpecialTokens: false, parseSpecialTokens: false)
            if plain != c.ids_split_special {
                failures += 1
                XCTFail("\(name) ids_split_special for \(c.text.debugDescription): \(plain) != \(c.ids_split_special)", file: file, line: line)
            }
            for (what, ok) in [("ids", ids == c.ids), ("ids_special", special == c.ids_special),
                               ("decoded", decoded == c.decoded), ("decoded_skip", skipped == c.decoded_skip)] where !ok {
                failures += 1
                if failures <= 8 {
                    XCTFail("\(name) \(what) for \(c.text.debugDescription):\n ours \(what.hasPrefix("ids") ? "\(what == "ids" ? ids : special)" : (what == "decoded" ? decoded : skipped).debugDescription)\n want \(what.hasPrefix("ids") ? "\(what == "ids" ? c.ids : c.ids_special)" : (what == "decoded" ? c.decoded : c.decoded_skip).debugDescription)",
                            file: file, line: line)
                }
            }
        }
        for f in expected.fuzz {
            let ids = tokenizer.encode(f.text, addSpecialTokens: false)
            if ids != f.ids {
                failures += 1
                if failures <= 12 { XCTFail("\(name) fuzz \(f.text.debugDescription): \(ids) != \(f.ids)", file: file, line: line) }
            }
        }
        for p in expected.decode_prefixes {
            let text = tokenizer.decode(p.ids, skipSpecialTokens: false)
            if text != p.text {
                failures += 1
                if failures <= 12 { XCTFail("\(name) decode \(p.ids): \(text.debugDescription) != \(p.text.debugDescription)", file: file, line: line) }
            }
        }
        XCTAssertEqual(failures, 0, "\(name): \(failures) mismatches", file: file, line: line)
    }

    func testSmolLM2() throws {
        try Self.check("smollm2", try Tokenizer.load(folder: fixtureURL("tokenizers/smollm2")))
    }

    func testSentencePieceStyle() throws {
        let tokenizer = try Tokenizer.load(folder: fixtureURL("tokenizers/spm"))
        try Self.check("spm", tokenizer)
        XCTAssertEqual(tokenizer.config, TokenizerConfig(bosToken: "<s>", eosToken: "</s>", unkToken: "<unk>", addBosToken: true,
                                                         addEosToken: false, tokenizerClass: "LlamaTokenizerFast"))
        XCTAssertEqual(tokenizer.bosTokenId, 1)
    }

    func testSentencePieceMetaspace() throws {
        try Self.check("spm_metaspace", try Tokenizer.load(folder: fixtureURL("tokenizers/spm_metaspace")))
    }

    func testGPT2VocabAndMerges() throws {
        try Self.check("gpt2", try Tokenizer.load(folder: fixtureURL("tokenizers/gpt2")))
    }

    func testLlama3Split() throws {
        try Self.check("llama3", try Tokenizer.load(folder: fixtureURL("tokenizers/llama3")))
    }

    func testQwen2SplitWithDigits() throws {
        try Self.check("qwen2", try Tokenizer.load(folder: fixtureURL("tokenizers/qwen2")))
    }

    func testNFKCNormalizer() throws {
        try Self.check("spm_nfkc", try Tokenizer.load(folder: fixtureURL("tokenizers/spm_nfkc")))
    }

    func testMetaspaceAlwaysWithSplit() throws {
        try Self.check("spm_split", try Tokenizer.load(folder: fixtureURL("tokenizers/spm_split")))
    }

    func testByteLevelPrefixSpaceAndRobertaProcessing() throws {
        try Self.check("roberta", try Tokenizer.load(folder: fixtureURL("tokenizers/roberta")))
    }

    func testIgnoreMerges() throws {
        try Self.check("llama3_ignore_merges", try Tokenizer.load(folder: fixtureURL("tokenizers/llama3_ignore_merges")))
    }
}
