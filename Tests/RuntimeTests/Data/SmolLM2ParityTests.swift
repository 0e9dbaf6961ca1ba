import Foundation
import Runtime
import TestSupport
import XCTest

/// Replays SmolLM2-135M-Instruct's real BPE tokenizer from a record of the encodings the pipeline
/// asks for (made by scripts/fixtures/data.py with transformers), so real merges, including one
/// across a prompt/completion boundary, are checked against TRL without the tokenizer area's code.
struct RecordedTokenizer: TextTokenizer {
    let encodings: [String: [Int]]
    let withSpecialA: [Int]
    let bos: Int?, eos: Int?, pad: Int?
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        if addSpecialTokens { return text == "a" ? withSpecialA : [-1] }
        return encodings[text] ?? [-1]  // -1: a text the fixture did not record; the test then fails
    }
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String { "" }
    var vocabularySize: Int { 49152 }
    var bosTokenId: Int? { bos }
    var eosTokenId: Int? { eos }
    var padTokenId: Int? { pad }
    func tokenId(_ token: String) -> Int? { nil }
}

/// SmolLM2's chat template as transformers rendered it for the recorded conversations.
struct RecordedRenderer: ConversationRenderer {
    struct Missing: Error {}
    let renderings: [(turns: [ConversationTurn], generationPrompt: Bool, text: String)]
    func render(_ turns: [ConversationTurn], addGenerationPrompt: Bool) throws -> String {
        guard let r = renderings.first(where: { $0.turns == turns && $0.generationPrompt == addGenerationPrompt }) else { throw Missing() }
        return r.text
    }
}

final class SmolLM2ParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Turn: Decodable { var role: String; var content: String }
        struct Rendering: Decodable { var turns: [Turn]; var generation_prompt: Bool; var text: String }
        struct Case: Decodable {
            var template: String
            var rows: [[String: AnyRow]]
            var expected: [TRLParityTests.Reference.Sequence]
        }
        enum AnyRow: Decodable {
            case string(String), turns([Turn])
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let s = try? c.decode(String.self) { self = .string(s) } else { self = .turns(try c.decode([Turn].self)) }
            }
        }
        var bos_id: Int?, eos_id: Int?, pad_id: Int?
        var with_special_a: [Int]
        var encodings: [String: [Int]]
        var renderings: [Rendering]
        var cases: [Case]
    }

    func testMasksMatchTRLWithTheRealTokenizer() throws {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL("data/trl_smollm2.json")))
        let tokenizer = RecordedTokenizer(encodings: f.encodings, withSpecialA: f.with_special_a, bos: f.bos_id, eos: f.eos_id, pad: f.pad_id)
        let renderer = RecordedRenderer(renderings: f.renderings.map {
            ($0.turns.map { ConversationTurn(role: $0.role, content: $0.content) }, $0.generation_prompt, $0.text)
        })
        let t = try ExampleTokenizer(tokenizer: tokenizer)
        XCTAssertEqual(t.leadingSpecialIds, [Int]())  // SmolLM2 adds no BOS
        var merges = 0
        for c in f.cases {
            let examples: [SourceExample] = c.rows.enumerated().map { i, row in
                let content: ExampleContent
                if case let .turns(turns)? = row["messages"] {
                    content = .conversation(turns.map { ConversationTurn(role: $0.role, content: $0.content) })
                } else if case let .string(p)? = row["prompt"], case let .string(q)? = row["completion"] {
                    content = .promptCompletion(prompt: p, completion: q)
                } else {
                    func s(_ k: String) -> String { if case let .string(v)? = row[k] { return v } else { return "" } }
                    content = .instruction(instruction: s("instruction"), input: s("input"), output: s("output"))
                }
                return SourceExample(content: content, row: DataRow(fields: [], line: i + 1), index: i)
            }
            let template = c.template == "chat" ? PromptTemplate.chat(renderer) : try PromptTemplate.named(c.template)
            let result = try t.tokenize(examples, template: template)
            merges += result.summary.boundaryMerges
            XCTAssertEqual(result.examples.count, c.expected.count, c.template)
            for (ours, theirs) in zip(result.examples, c.expected) {
                XCTAssertFalse(ours.inputIds.contains(-1), "\(c.template) line \(ours.line): a text the fixture did not record")
                XCTAssertEqual(ours.inputIds, theirs.input_ids, "\(c.template) line \(ours.line)")
                XCTAssertEqual(Array(ours.labels.dropFirst()), Array(theirs.labels.dropFirst()), "\(c.template) line \(ours.line)")
            }
        }
        XCTAssertEqual(merges, 1)  // "pine" + "apple": one BPE token spans the boundary, in TRL too
    }
}
