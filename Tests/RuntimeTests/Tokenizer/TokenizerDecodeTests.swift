import Foundation
import XCTest
import TestSupport
@testable import Runtime

/// Streaming decode, strict decode of bytes that are not UTF-8, and the BPE merge twins.
final class TokenizerDecodeTests: XCTestCase {
    func load(_ name: String) throws -> Tokenizer { try Tokenizer.load(folder: fixtureURL("tokenizers/\(name)")) }

    /// Pushing ids one at a time gives the whole decode, and no chunk holds half a character.
    func testStreamingEqualsWholeDecode() throws {
        for name in ["smollm2", "spm", "spm_metaspace", "gpt2", "llama3"] {
            let tokenizer = try load(name)
            for c in try TokenizerParityTests.expected(name).cases {
                for skip in [false, true] {
                    var stream = StreamingDecoder(tokenizer: tokenizer, skipSpecialTokens: skip)
                    var chunks: [String] = []
                    for id in c.ids_special { chunks.append(stream.push(id)) }
                    chunks.append(stream.finish())
                    let whole = tokenizer.decode(c.ids_special, skipSpecialTokens: skip)
                    XCTAssertEqual(chunks.joined(), whole, "\(name) \(c.text.debugDescription)")
                    if !whole.contains("\u{FFFD}") {
                        XCTAssertFalse(chunks.contains { $0.contains("\u{FFFD}") }, "\(name) \(c.text.debugDescription)")
                    }
                }
            }
        }
    }

    /// A 4-byte emoji split over byte tokens comes out only once complete.
    func testStreamingHoldsBackPartialCharacter() throws {
        let tokenizer = try load("gpt2")
        let ids = tokenizer.encode("😀", addSpecialTokens: false)
        XCTAssertEqual(ids.count, 4, "the small vocabulary spells the emoji as four byte tokens")
        var stream = StreamingDecoder(tokenizer: tokenizer)
        XCTAssertEqual(ids.map { stream.push($0) }, ["", "", "", "😀"])
    }

    /// Byte-level and byte-fallback decoders: lossy like HF, strict throws with the offset.
    func testInvalidUTF8() throws {
        let gpt2 = try load("gpt2")
        let emoji = gpt2.encode("a😀", addSpecialTokens: false)  // "a" then four byte tokens
        let cut = Array(emoji.dropLast())
        XCTAssertEqual(gpt2.decode(cut, skipSpecialTokens: false), "a\u{FFFD}")
        XCTAssertThrowsError(try gpt2.decodeStrict(cut)) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidUTF8(byteOffset: 1))
        }
        XCTAssertEqual(try gpt2.decodeStrict(emoji), "a😀")

        let spm = try load("spm")
        let ids = spm.encode("😀", addSpecialTokens: false)
        let bytes = ids.filter { spm.token($0)?.hasPrefix("<0x") ?? false }
        XCTAssertEqual(bytes.count, 4, "the emoji falls back to byte tokens")
        XCTAssertEqual(spm.decode(Array(bytes.prefix(2)), skipSpecialTokens: false), "\u{FFFD}\u{FFFD}")
        XCTAssertThrowsError(try spm.decodeStrict(Array(bytes.prefix(2)))) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidUTF8(byteOffset: 0))
        }
    }

    /// Unknown ids are skipped on decode, as HF does.
    func testUnknownIdsAreSkipped() throws {
        let tokenizer = try load("gpt2")
        let ids = tokenizer.encode("Hello", addSpecialTokens: false)
        XCTAssertEqual(tokenizer.decode([-1] + ids + [1_000_000], skipSpecialTokens: false), "Hello")
    }

    /// The heap merge for long words and the rank-array merge for short ones agree.
    func testLongAndShortMergeAgree() throws {
        let tokenizer = try load("smollm2")
        var rng = SplitMix(state: 42)
        let alphabet = Array("the quick brown fox, 1234 jumps!\n".utf8)
        for _ in 0..<30 {
            let bytes = (0..<Int.random(in: 20...200, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let symbols = bytes.map { tokenizer.model.byteIds[Int($0)] }
            XCTAssertEqual(tokenizer.model.mergeShort(symbols), tokenizer.model.mergeLong(symbols))
        }
    }

    /// The open-addressing pair table answers like a Dictionary, first insert winning.
    func testPairTableMatchesDictionary() {
        var rng = SplitMix(state: 7)
        var table = PairTable(capacity: 3000)
        var reference: [UInt64: UInt64] = [:]
        for _ in 0..<3000 {
            let key = UInt64.random(in: 0..<500, using: &rng) << 32 | UInt64.random(in: 0..<500, using: &rng)
            let value = UInt64.random(in: 0..<1_000_000, using: &rng)
            table.insertIfAbsent(key, value)
            if reference[key] == nil { reference[key] = value }
        }
        XCTAssertEqual(table.count, reference.count)
        for a in UInt64(0)..<500 {
            for b in stride(from: UInt64(0), to: 500, by: 7) { XCTAssertEqual(table[a << 32 | b], reference[a << 32 | b]) }
        }
    }

    func testConcurrentEncodeIsConsistent() throws {
        let tokenizer = try load("smollm2")
        let texts = try TokenizerParityTests.expected("smollm2").cases.map(\.text)
        let expected = texts.map { tokenizer.encode($0, addSpecialTokens: false) }
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for (t, e) in zip(texts, expected) { XCTAssertEqual(tokenizer.encode(t, addSpecialTokens: false), e) }
        }
    }
}

/// A seeded generator so random test inputs repeat from run to run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
