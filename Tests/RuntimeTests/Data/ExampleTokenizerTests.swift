import Runtime
import XCTest

final class ExampleTokenizerTests: XCTestCase {
    let tok = ByteTestTokenizer()
    func ids(_ s: String) -> [Int] { s.utf8.map { 7 + Int($0) } }

    func pc(_ prompt: String, _ completion: String, index: Int = 0) -> SourceExample {
        SourceExample(content: .promptCompletion(prompt: prompt, completion: completion),
                      row: DataRow(fields: [], line: index + 1), index: index)
    }

    func testLeadingBOSFoundOnceAndNeverDoubled() throws {
        let t = try ExampleTokenizer(tokenizer: tok)
        XCTAssertEqual(t.leadingSpecialIds, [1])
        XCTAssertEqual(t.encode("ab"), [1] + ids("ab"))
        // A chat template that already wrote the BOS text gets no second BOS.
        XCTAssertEqual(t.encode("<s>ab"), [1] + ids("ab"))
        let chat = try t.tokenize([SourceExample(content: .conversation([ConversationTurn(role: "user", content: "u"),
                                                                         ConversationTurn(role: "assistant", content: "a")]),
                                                 row: DataRow(fields: [], line: 1), index: 0)],
                                  template: .chat(TestChatRenderer()))
        XCTAssertEqual(chat.examples[0].inputIds.prefix(2), [1, 5])
        XCTAssertEqual(chat.examples[0].inputIds.filter { $0 == 1 }.count, 1)
        // A tokenizer that adds nothing in front (GPT-2 style) gets nothing added.
        var noBOS = tok
        noBOS.addsBOS = false
        XCTAssertEqual(try ExampleTokenizer(tokenizer: noBOS).encode("ab"), ids("ab"))
    }

    func testCompletionOnlyMaskAndSupervisedEOS() throws {
        let t = try ExampleTokenizer(tokenizer: tok)
        let e = try t.tokenize([pc("P:", "ok")], template: .plain).examples[0]
        XCTAssertEqual(e.inputIds, [1] + ids("P:ok") + [2])
        XCTAssertEqual(e.labels, [-100, -100, -100] + ids("ok") + [2])
        XCTAssertEqual(e.supervisedCount, 3)
        // An EOS already ending the completion is not doubled.
        let done = try t.tokenize([pc("P:", "ok</s>")], template: .plain).examples[0]
        XCTAssertEqual(done.inputIds, [1] + ids("P:ok") + [2])
        XCTAssertEqual(done.labels.last, 2)
        // Without EOS appending.
        let bare = try ExampleTokenizer(tokenizer: tok, options: TokenizationOptions(appendEOS: false))
            .tokenize([pc("P:", "ok")], template: .plain).examples[0]
        XCTAssertEqual(bare.inputIds, [1] + ids("P:ok"))
    }

    func testChatMLEndOfTurnCountsAsEOSWhenItIsTheEOS() throws {
        // With EOS = <|im_end|> (SmolLM2), the assistant turn's <|im_end|> is the supervised EOS:
        // nothing is appended after the template's trailing newline.
        struct IMEndEOS: TextTokenizer {
            let base = ByteTestTokenizer()
            func encode(_ text: String, addSpecialTokens: Bool) -> [Int] { base.encode(text, addSpecialTokens: false) }
            func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String { base.decode(ids, skipSpecialTokens: skipSpecialTokens) }
            var vocabularySize: Int { 263 }
            var bosTokenId: Int? { nil }
            var eosTokenId: Int? { 6 }
            var padTokenId: Int? { nil }
            func tokenId(_ token: String) -> Int? { base.tokenId(token) }
        }
        let t = try ExampleTokenizer(tokenizer: IMEndEOS())
        let e = try t.tokenize([pc("q", "a")], template: .chatml).examples[0]
        XCTAssertEqual(e.inputIds.suffix(3), [7 + 97, 6, 7 + 10])
        XCTAssertEqual(e.labels.suffix(3), [7 + 97, 6, -100])
        XCTAssertEqual(try paddingTokenId(of: IMEndEOS()), 6)
    }

    func testDocsWorkedExample() throws {
        let e = try ExampleTokenizer(tokenizer: tok).tokenize([pc("2+2=", "4")], template: .plain).examples[0]
        XCTAssertEqual(e.inputIds, [1, 57, 50, 57, 68, 59, 2])
        XCTAssertEqual(e.labels, [-100, -100, -100, -100, -100, 59, 2])
    }

    func testFullSequenceLoss() throws {
        let t = try ExampleTokenizer(tokenizer: tok, options: TokenizationOptions(loss: .fullSequence))
        let e = try t.tokenize([pc("P:", "ok")], template: .plain).examples[0]
        XCTAssertEqual(e.labels, [-100] + ids("P:ok") + [2])
    }

    func testTokenMergedAcrossBoundaryCountsAsCompletion() throws {
        var merging = tok
        merging.merges = [":o"]  // one token spanning the end of "P:" and the start of "ok"
        let t = try ExampleTokenizer(tokenizer: merging)
        let r = try t.tokenize([pc("P:", "ok")], template: .plain)
        XCTAssertEqual(r.examples[0].inputIds, [1, 7 + 80, 263, 7 + 107, 2])
        XCTAssertEqual(r.examples[0].labels, [-100, -100, 263, 7 + 107, 2])
        XCTAssertEqual(r.summary.boundaryMerges, 1)
        XCTAssertTrue(r.summary.warnings.contains { $0.contains("spanning the prompt/completion boundary") })
    }

    func testTruncationKeepsTheStart() throws {
        let t = try ExampleTokenizer(tokenizer: tok, options: TokenizationOptions(maxLength: 5))
        let r = try t.tokenize([pc("P", "abcdef")], template: .plain)
        XCTAssertEqual(r.examples[0].inputIds, [1] + ids("Pabc"))
        XCTAssertEqual(r.examples[0].labels, [-100, -100] + ids("abc"))
        XCTAssertEqual(r.summary.truncated, 1)
    }

    func testExamplesWithNothingToTrainOnAreDroppedAndCounted() throws {
        let t = try ExampleTokenizer(tokenizer: tok, options: TokenizationOptions(maxLength: 8))
        let userOnly = SourceExample(content: .conversation([ConversationTurn(role: "user", content: "hi")]),
                                     row: DataRow(fields: [], line: 40), index: 2)
        let r = try t.tokenize([pc("short", "x", index: 0), pc("a prompt longer than eight", "x", index: 1), userOnly],
                               template: .chatml)
        XCTAssertEqual(r.examples.map(\.index), [])  // chatml's own markers push "short" past 8 too
        let plain = try t.tokenize([pc("short", "x", index: 0), pc("a prompt longer than eight", "x", index: 1)], template: .plain)
        XCTAssertEqual(plain.examples.map(\.index), [0])
        XCTAssertEqual(plain.summary.dropped, [DroppedExample(index: 1, line: 2, reason: .promptFillsMaxLength(promptTokens: 27, maxLength: 8))])
        XCTAssertEqual(plain.summary.kept, 1)
        XCTAssertTrue(plain.summary.warnings[0].contains("dropped 1 of 2 examples whose prompt fills max_len"), plain.summary.warnings[0])

        let conv = try ExampleTokenizer(tokenizer: tok).tokenize([userOnly], template: .chatml)
        XCTAssertEqual(conv.examples, [])
        XCTAssertEqual(conv.summary.dropped, [DroppedExample(index: 2, line: 40, reason: .noSupervisedTokens)])
        XCTAssertTrue(conv.summary.warnings[0].contains("no supervised tokens (lines 40)"), conv.summary.warnings[0])
        XCTAssertEqual(r.summary.dropped.count, 3)
    }

    func testMaxLengthBelowTwoIsRefused() {
        XCTAssertThrowsError(try ExampleTokenizer(tokenizer: tok, options: TokenizationOptions(maxLength: 1))) {
            XCTAssertTrue("\($0)".contains("max_len 1 is too small"))
        }
    }

    func testPreviewShowsSupervisedSpans() throws {
        let t = try ExampleTokenizer(tokenizer: tok, options: TokenizationOptions(maxLength: 16))
        let p = try t.preview([pc("Q: é?", "Ünï"), pc("a prompt longer than twelve", "x", index: 1)], template: .plain, count: 5)
        XCTAssertEqual(p.count, 2)
        XCTAssertEqual(p[0].spans, [TextSegment("<s>Q: é?", supervised: false), TextSegment("Ünï</s>", supervised: true)])
        XCTAssertEqual(p[0].supervisedCount, 6)
        XCTAssertEqual(p[0].tokens.first, PreviewToken(id: 1, text: "<s>", supervised: false))
        XCTAssertNil(p[0].dropped)
        XCTAssertEqual(p[1].dropped, .promptFillsMaxLength(promptTokens: 28, maxLength: 16))
        XCTAssertEqual(p[1].tokens.count, 16)
        XCTAssertEqual(p[1].supervisedCount, 0)
    }
}
