import Runtime
import XCTest

/// A ChatML-like renderer standing in for the model's chat template: it writes a BOS first
/// (as Llama 3 / Gemma templates do) and a system line by default.
struct TestChatRenderer: ConversationRenderer {
    var breaksPrefix = false
    func render(_ turns: [ConversationTurn], addGenerationPrompt: Bool) throws -> String {
        var s = "<s>"
        for (i, t) in turns.enumerated() {
            // A template that renders earlier turns differently once later ones exist.
            let content = breaksPrefix && i < turns.count - 1 ? t.content + "*" : t.content
            s += "<|im_start|>\(t.role)\n\(content)<|im_end|>\n"
        }
        if addGenerationPrompt { s += "<|im_start|>assistant\n" }
        return s
    }
}

final class PromptTemplateTests: XCTestCase {
    func example(_ content: ExampleContent, fields: [(String, String)] = [], line: Int = 7) -> SourceExample {
        SourceExample(content: content, row: DataRow(fields: fields.map { ($0.0, DataValue.string($0.1)) }, line: line), index: 0)
    }

    func alpacaExample(_ instruction: String, _ input: String?, _ output: String) -> SourceExample {
        var fields = [("instruction", instruction), ("output", output)]
        if let input { fields.append(("input", input)) }
        return example(.instruction(instruction: instruction, input: input ?? "", output: output), fields: fields)
    }

    func testGemmaTurnsExactText() throws {
        let head = "<start_of_turn>user Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n"
        let with = try PromptTemplate.gemmaTurns.render(alpacaExample("Reverse it.", "abc", "cba"))
        XCTAssertEqual(with, [TextSegment(head + "Reverse it. here are the inputs abc <end_of_turn>\n<start_of_turn>model", supervised: false),
                              TextSegment("cba <end_of_turn>", supervised: true)])
        for input in ["", "Not applicable", nil] {
            let without = try PromptTemplate.gemmaTurns.render(alpacaExample("Say hi.", input, "hi"))
            XCTAssertEqual(without.map(\.text), [head + "Say hi. <end_of_turn>\n<start_of_turn>model", "hi <end_of_turn>"], "\(String(describing: input))")
        }
        // Prompt/completion rows: the prompt is the instruction.
        let pc = try PromptTemplate.gemmaTurns.render(example(.promptCompletion(prompt: "P", completion: "C")))
        XCTAssertEqual(pc.map(\.text), [head + "P <end_of_turn>\n<start_of_turn>model", "C <end_of_turn>"])
    }

    func testAlpacaWithAndWithoutInput() throws {
        let with = try PromptTemplate.alpaca.render(alpacaExample("Sort.", "3 1 2", "1 2 3"))
        XCTAssertEqual(with[0].text, "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request.\n\n### Instruction:\nSort.\n\n### Input:\n3 1 2\n\n### Response:\n")
        XCTAssertEqual(with[1], TextSegment("1 2 3", supervised: true))
        let without = try PromptTemplate.alpaca.render(alpacaExample("Sort.", "", "x"))
        XCTAssertEqual(without[0].text, "Below is an instruction that describes a task. Write a response that appropriately completes "
            + "the request.\n\n### Instruction:\nSort.\n\n### Response:\n")
    }

    func testChatMLMarksAssistantTurns() throws {
        let turns = [ConversationTurn(role: "system", content: "S"), ConversationTurn(role: "user", content: "U1"),
                     ConversationTurn(role: "assistant", content: "A1"), ConversationTurn(role: "user", content: "U2"),
                     ConversationTurn(role: "assistant", content: "A2")]
        let s = try PromptTemplate.chatml.render(example(.conversation(turns)))
        XCTAssertEqual(s, [
            TextSegment("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\n", supervised: false),
            TextSegment("A1<|im_end|>", supervised: true),
            TextSegment("\n<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n", supervised: false),
            TextSegment("A2<|im_end|>", supervised: true),
            TextSegment("\n", supervised: false),
        ])
        let single = try PromptTemplate.chatml.render(alpacaExample("Do", "this", "ok"))
        XCTAssertEqual(single.map(\.text).joined(), "<|im_start|>user\nDo\n\nthis<|im_end|>\n<|im_start|>assistant\nok<|im_end|>\n")
    }

    func testChatTemplateSpansComeFromTheRenderer() throws {
        let turns = [ConversationTurn(role: "user", content: "U1"), ConversationTurn(role: "assistant", content: "A1"),
                     ConversationTurn(role: "user", content: "U2"), ConversationTurn(role: "assistant", content: "A2")]
        let s = try PromptTemplate.chat(TestChatRenderer()).render(example(.conversation(turns)))
        XCTAssertEqual(s.filter(\.supervised).map(\.text), ["A1<|im_end|>\n", "A2<|im_end|>\n"])
        XCTAssertEqual(s.map(\.text).joined(), try TestChatRenderer().render(turns, addGenerationPrompt: false))
        XCTAssertEqual(s.first?.supervised, false)
        // A conversation that ends with a user turn leaves it unsupervised.
        let open = try PromptTemplate.chat(TestChatRenderer()).render(example(.conversation(Array(turns.prefix(3)))))
        XCTAssertEqual(open.last, TextSegment("<|im_start|>user\nU2<|im_end|>\n", supervised: false))

        XCTAssertThrowsError(try PromptTemplate.chat(TestChatRenderer(breaksPrefix: true)).render(example(.conversation(turns)), file: "c.jsonl")) {
            let e = $0 as! DataError
            XCTAssertEqual(e.line, 7)
            XCTAssertEqual(e.key, "messages[1]")
            XCTAssertTrue(e.reason.contains("renders the conversation before this assistant turn differently"))
        }
        XCTAssertThrowsError(try PromptTemplate.named("chat")) { XCTAssertTrue("\($0)".contains("needs a model")) }
        XCTAssertThrowsError(try PromptTemplate.named("vicuna")) { XCTAssertTrue("\($0)".contains("unknown template 'vicuna'")) }
    }

    func testSingleTurnTemplatesRefuseConversations() {
        let conv = example(.conversation([ConversationTurn(role: "user", content: "x")]))
        for t in [PromptTemplate.plain, .alpaca, .gemmaTurns] {
            XCTAssertThrowsError(try t.render(conv, file: "f.jsonl")) {
                XCTAssertTrue("\($0)".hasPrefix("f.jsonl:7 key 'messages'"), "\($0)")
            }
        }
    }

    func testTextRowsAreOneSupervisedSegment() throws {
        XCTAssertEqual(try PromptTemplate.alpaca.render(example(.text("all of it"))), [TextSegment("all of it", supervised: true)])
    }

    func testTemplateFile() throws {
        let t = try TemplateFile(text: "Q: {question}[[ (context: {context})]]\n{{A}}: {@completion}{answer}!\n", source: "qa.tmpl")
        let row = example(.promptCompletion(prompt: "", completion: ""),
                          fields: [("question", "Why?"), ("context", "sky"), ("answer", "Rayleigh")])
        XCTAssertEqual(try PromptTemplate.file(t).render(row).map(\.text), ["Q: Why? (context: sky)\n{A}: ", "Rayleigh!"])
        let noContext = example(.promptCompletion(prompt: "", completion: ""), fields: [("question", "Why?"), ("answer", "x")])
        XCTAssertEqual(try PromptTemplate.file(t).render(noContext).map(\.text), ["Q: Why?\n{A}: ", "x!"])
        let missing = example(.promptCompletion(prompt: "", completion: ""), fields: [("question", "Why?")], line: 12)
        XCTAssertThrowsError(try PromptTemplate.file(t).render(missing, file: "d.csv")) {
            XCTAssertTrue("\($0)".hasPrefix("d.csv:12 key 'answer'"), "\($0)")
        }
    }

    func testTemplateFileSyntaxErrors() {
        func check(_ text: String, line: Int?, column: Int?, _ contains: String, file: StaticString = #filePath, l: UInt = #line) {
            XCTAssertThrowsError(try TemplateFile(text: text, source: "x.tmpl"), file: file, line: l) {
                let e = $0 as! DataError
                XCTAssertEqual(e.line, line, "\(e)", file: file, line: l)
                XCTAssertEqual(e.column, column, "\(e)", file: file, line: l)
                XCTAssertTrue(e.reason.contains(contains), "\(e)", file: file, line: l)
            }
        }
        check("no marker {x}", line: nil, column: nil, "exactly one {@completion}")
        check("{@completion}{@completion}", line: nil, column: nil, "found 2")
        check("a\nb {x", line: 2, column: 3, "never closed")
        check("a } b{@completion}", line: 1, column: 3, "'}' without '{'")
        check("[[ a [[ b ]] ]]{@completion}", line: 1, column: 6, "cannot be nested")
        check("x\n [[ a {@completion}", line: 2, column: 7, "cannot be inside an optional section")
        check("{@completion}x\n [[ a", line: 2, column: 2, "never closed with ']]'")
        check("{}{@completion}", line: 1, column: 1, "bad placeholder")
    }
}
