import Foundation

/// How a user's prompt becomes the text the model continues: through the data's template
/// (so a fine-tuned model sees what it was trained on), the model's chat template, or as is.
public enum PromptStyle: Sendable {
    /// The prompt part of a data template (`gemma-turns`, `alpaca`, a template file...): the
    /// prompt fills the instruction (or prompt) column, the completion is left empty.
    case template(PromptTemplate)
    /// The text as written.
    case raw
}

extension LoadedModel {
    /// The text the model continues for `prompt`. With a template, the prompt is rendered as an
    /// instruction row (or a one-turn conversation for chat templates) and the unsupervised
    /// segments before the completion are kept.
    public func promptText(_ prompt: String, style: PromptStyle) throws -> String {
        guard case let .template(template) = style else { return prompt }
        switch template {
        case let .chat(renderer):
            return try renderer.render([ConversationTurn(role: "user", content: prompt)], addGenerationPrompt: true)
        case .chatml:
            return "<|im_start|>user\n\(prompt)<|im_end|>\n<|im_start|>assistant\n"
        default:
            let row = "{\"instruction\": \(jsonString(prompt)), \"input\": \"\", \"output\": \"\", "
                + "\"prompt\": \(jsonString(prompt)), \"completion\": \"\"}"
            let table = try DataTable.parse(Array(row.utf8), kind: .jsonl, source: "prompt")
            let example = try table.examples(format: .alpaca)[0]
            let segments = try template.render(example, file: "prompt")
            return segments.prefix { !$0.supervised }.map(\.text).joined()
        }
    }

    /// Ids of rendered text, with the tokenizer's leading special tokens (BOS) added once: not
    /// again when the text (a chat template's output) already starts with them.
    public func encodePrompt(_ text: String) throws -> [Int] {
        try ExampleTokenizer(tokenizer: tokenizer).encode(text)
    }

    /// Continues `prompt` rendered in `style`. Stops at the model's stop tokens unless `options`
    /// names its own. `onText` receives each piece as it is decoded and may answer false to stop.
    public func generate(_ prompt: String, style: PromptStyle, options: SamplingOptions,
                         onText: (String) -> Bool = { _ in true }) throws -> Generation {
        let ids = try encodePrompt(try promptText(prompt, style: style))
        guard !ids.isEmpty else { throw WorkbenchError("the prompt is empty after tokenization") }
        return Runtime.generate(network, tokenizer: tokenizer, prompt: ids, options: withStops(options), onText: onText)
    }

    /// The assistant's next turn after `messages`, through the model's chat template.
    public func reply(to messages: [ChatMessage], options: SamplingOptions,
                      onText: (String) -> Bool = { _ in true }) throws -> Generation {
        guard let chatRenderer else {
            throw WorkbenchError("\(source.lastPathComponent) has no chat template (tokenizer_config.json chat_template or GGUF tokenizer.chat_template)")
        }
        let text = try chatRenderer.render(messages.map { ConversationTurn(role: $0.role, content: $0.content) },
                                           addGenerationPrompt: true)
        let ids = try encodePrompt(text)
        return Runtime.generate(network, tokenizer: tokenizer, prompt: ids, options: withStops(options), onText: onText)
    }

    private func withStops(_ options: SamplingOptions) -> SamplingOptions {
        var options = options
        if options.stopTokenIds.isEmpty { options.stopTokenIds = stopTokenIds }
        return options
    }
}
