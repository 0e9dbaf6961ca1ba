/// How a row becomes text: a prompt part (not trained on) and a completion part (trained on),
/// or, for conversations, alternating segments where assistant turns are the trained parts.
public enum PromptTemplate: Sendable {
    /// Prompt and completion as they are (TRL's default for prompt-completion data); an alpaca row
    /// becomes `instruction` (+ "\n\n" + `input` when given) and `output`.
    case plain
    /// `<start_of_turn>user Below is an instruction ... {instruction} here are the inputs {input}
    /// <end_of_turn>\n<start_of_turn>model` + `{output} <end_of_turn>`; the input clause is left out
    /// when the input is empty or "Not applicable".
    case gemmaTurns
    /// Stanford Alpaca's layout, with and without an input, ending in "### Response:\n".
    case alpaca
    /// `<|im_start|>role\ncontent<|im_end|>\n` per message; an assistant turn's content and its
    /// `<|im_end|>` are trained on.
    case chatml
    /// The model's own chat template.
    case chat(any ConversationRenderer)
    /// A template file (see `TemplateFile`).
    case file(TemplateFile)

    /// The built-in names accepted by `named(_:renderer:)`.
    public static let builtInNames = ["plain", "gemma-turns", "alpaca", "chatml", "chat"]

    /// A built-in template by name; `chat` needs the model's renderer. Throws for unknown names.
    public static func named(_ name: String, renderer: (any ConversationRenderer)? = nil) throws -> PromptTemplate {
        switch name {
        case "plain": return .plain
        case "gemma-turns": return .gemmaTurns
        case "alpaca": return .alpaca
        case "chatml": return .chatml
        case "chat":
            guard let renderer else {
                throw DataError(file: "", key: "template", "template 'chat' needs a model whose tokenizer has a chat template")
            }
            return .chat(renderer)
        default:
            throw DataError(file: "", key: "template",
                            "unknown template '\(name)': expected one of \(builtInNames.joined(separator: ", ")) or a template file")
        }
    }

    /// The template users get when they name none: `alpaca` for alpaca rows, `chatml` for
    /// conversations, `plain` otherwise.
    public static func defaultTemplate(for format: RowFormat) -> PromptTemplate {
        switch format {
        case .alpaca: return .alpaca
        case .messages: return .chatml
        case .promptCompletion, .text: return .plain
        }
    }

    public var name: String {
        switch self {
        case .plain: return "plain"
        case .gemmaTurns: return "gemma-turns"
        case .alpaca: return "alpaca"
        case .chatml: return "chatml"
        case .chat: return "chat"
        case let .file(t): return t.source
        }
    }

    static let gemmaTurnsText = """
        <start_of_turn>user Below is an instruction that describes a task. Write a response that appropriately \
        completes the request.\n\n{instruction}[[ here are the inputs {input}]] <end_of_turn>
        <start_of_turn>model{@completion}{output} <end_of_turn>
        """

    // A fixed string that the tests render: parsing it cannot fail.
    static let gemmaTurnsFile = try! TemplateFile(text: gemmaTurnsText, source: "gemma-turns")

    /// The segments of one example. `text` rows are one supervised segment whatever the template.
    /// Throws naming the file, the row's line and key when the template cannot take the row.
    public func render(_ example: SourceExample, file: String = "") throws -> [TextSegment] {
        let line = example.row.line
        if case let .text(text) = example.content { return [TextSegment(text, supervised: true)] }
        switch self {
        case .chatml:
            return ChatMLLayout.segments(turns(example.content))
        case let .chat(renderer):
            return try ConversationSegmenter.segments(turns(example.content), renderer: renderer, file: file, line: line)
        case .plain, .alpaca, .gemmaTurns, .file:
            break
        }
        let (prompt, completion): (String, String)
        switch (self, example.content) {
        case (_, .conversation):
            throw DataError(file: file, line: line, key: "messages",
                            "template '\(name)' takes instruction or prompt/completion rows; use 'chat' or 'chatml' for messages")
        case let (.plain, .promptCompletion(p, c)):
            (prompt, completion) = (p, c)
        case let (.plain, .instruction(instruction, input, output)):
            (prompt, completion) = (input.isEmpty ? instruction : instruction + "\n\n" + input, output)
        case let (.alpaca, .instruction(instruction, input, output)):
            (prompt, completion) = (Self.alpacaPrompt(instruction: instruction, input: input), output)
        case let (.alpaca, .promptCompletion(p, c)):
            (prompt, completion) = (Self.alpacaPrompt(instruction: p, input: ""), c)
        case (.gemmaTurns, _):
            (prompt, completion) = try Self.gemmaTurnsFile.render(line: line, file: file) { example.field($0) }
        case let (.file(template), _):
            (prompt, completion) = try template.render(line: line, file: file) { example.field($0) }
        default:
            throw DataError(file: file, line: line, "template '\(name)' cannot render this row")
        }
        return [TextSegment(prompt, supervised: false), TextSegment(completion, supervised: true)]
    }

    static func alpacaPrompt(instruction: String, input: String) -> String {
        if input.isEmpty {
            return "Below is an instruction that describes a task. Write a response that appropriately completes the request."
                + "\n\n### Instruction:\n\(instruction)\n\n### Response:\n"
        }
        return "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request."
            + "\n\n### Instruction:\n\(instruction)\n\n### Input:\n\(input)\n\n### Response:\n"
    }

    /// Single-turn rows as a user/assistant conversation.
    private func turns(_ content: ExampleContent) -> [ConversationTurn] {
        switch content {
        case let .conversation(turns): return turns
        case let .promptCompletion(p, c):
            return [ConversationTurn(role: "user", content: p), ConversationTurn(role: "assistant", content: c)]
        case let .instruction(instruction, input, output):
            let user = input.isEmpty || input == "Not applicable" ? instruction : instruction + "\n\n" + input
            return [ConversationTurn(role: "user", content: user), ConversationTurn(role: "assistant", content: output)]
        case let .text(t):
            return [ConversationTurn(role: "user", content: t)]
        }
    }
}

enum ChatMLLayout {
    static func segments(_ turns: [ConversationTurn]) -> [TextSegment] {
        var segments: [TextSegment] = []
        func add(_ text: String, _ supervised: Bool) {
            if let last = segments.last, last.supervised == supervised {
                segments[segments.count - 1].text += text
            } else {
                segments.append(TextSegment(text, supervised: supervised))
            }
        }
        for turn in turns {
            add("<|im_start|>\(turn.role)\n", false)
            if turn.role == "assistant" {
                add(turn.content + "<|im_end|>", true)
                add("\n", false)
            } else {
                add(turn.content + "<|im_end|>\n", false)
            }
        }
        return segments
    }
}

extension SourceExample {
    /// A field for templates: the row's own (mapped) column, else what the content says under a
    /// canonical name (prompt/completion rows also answer to `instruction`/`output`, and alpaca
    /// rows to `prompt`/`completion`).
    func field(_ key: String) -> String? {
        if let v = row[key] {
            switch v {
            case let .string(s): return s
            case let .number(n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case let .bool(b): return String(b)
            case .null: return nil
            case .array, .object: return nil
            }
        }
        switch (content, key) {
        case let (.promptCompletion(p, _), "prompt"), let (.promptCompletion(p, _), "instruction"): return p
        case let (.promptCompletion(_, c), "completion"), let (.promptCompletion(_, c), "output"): return c
        case (.promptCompletion, "input"): return ""
        case let (.instruction(i, _, _), "instruction"), let (.instruction(i, _, _), "prompt"): return i
        case let (.instruction(_, x, _), "input"): return x
        case let (.instruction(_, _, o), "output"), let (.instruction(_, _, o), "completion"): return o
        case let (.text(t), "text"): return t
        default: return nil
        }
    }
}
