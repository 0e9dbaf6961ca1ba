/// Cutting a rendered conversation into what the model is given and what it must learn to produce,
/// from the template itself (never by searching token strings): by re-rendering prefixes of the
/// conversation (`parts`, `segments`), or by the template's own `{% generation %}` markers.

/// A conversation rendered in two pieces: everything the model is given (`prompt`, which ends with the
/// template's generation prompt) and what it must learn to produce (`completion`, the final assistant
/// turn with whatever the template appends to it, such as the end-of-turn token).
public struct ChatTemplateParts: Sendable, Equatable {
    public var prompt: String
    public var completion: String
    public var full: String { prompt + completion }
}

/// One piece of a rendered conversation; `trainable` marks an assistant turn (see `ChatTemplate.segments`).
public struct ChatTemplateSegment: Sendable, Equatable {
    public var text: String
    public var trainable: Bool
    public init(text: String, trainable: Bool) { self.text = text; self.trainable = trainable }
}

extension ChatTemplate {
    /// Splits a conversation that ends with an assistant message into prompt and completion, from the
    /// template itself: `prompt` renders everything before the last message with the generation prompt,
    /// and the full conversation must start with it. Throws `.prefixBroken` when the template does not
    /// have that property (for example one that rewrites earlier turns depending on what follows).
    public func parts(messages: [ChatMessage], bosToken: String? = nil, eosToken: String? = nil,
                      extra: [String: JinjaValue] = [:]) throws -> ChatTemplateParts
    {
        try parts(messages: messages.map(\.templateValue), bosToken: bosToken, eosToken: eosToken, extra: extra)
    }

    /// `parts` for messages given as template values (assistant turns with `tool_calls`, tool results, ...).
    public func parts(messages: [JinjaValue], bosToken: String? = nil, eosToken: String? = nil,
                      extra: [String: JinjaValue] = [:]) throws -> ChatTemplateParts
    {
        guard case .object(let last)? = messages.last, last["role"] == .string("assistant") else {
            let role: String
            if case .object(let o)? = messages.last { role = o["role"].map { $0.pythonRepr } ?? "no role" } else { role = "no messages" }
            throw ChatTemplateError.badConversation(
                message: "parts(messages:) needs a conversation ending with an assistant message, got \(role)")
        }
        let prompt = try render(messages: Array(messages.dropLast()), addGenerationPrompt: true, bosToken: bosToken,
                                eosToken: eosToken, extra: extra)
        let full = try render(messages: messages, addGenerationPrompt: false, bosToken: bosToken, eosToken: eosToken, extra: extra)
        // Compare code points, not Characters: a completion starting with a combining mark would
        // otherwise merge with the prompt's last character.
        guard full.unicodeScalars.starts(with: prompt.unicodeScalars) else {
            throw ChatTemplateError.prefixBroken(prompt: prompt, full: full)
        }
        let completion = String(String.UnicodeScalarView(full.unicodeScalars.dropFirst(prompt.unicodeScalars.count)))
        return ChatTemplateParts(prompt: prompt, completion: completion)
    }

    /// Cuts the full render of a multi-turn conversation into alternating pieces: template and non-assistant
    /// text (`trainable == false`) and each assistant turn as the template writes it (`trainable == true`).
    /// The texts concatenate to `render(messages:addGenerationPrompt: false)` exactly. Turn k's piece is
    /// what the render of the first k messages with the generation prompt lacks from the render through
    /// message k, so every one of those renders must be a prefix of the next; templates that rewrite
    /// earlier turns (Qwen3 drops past reasoning, Mistral v0.3 moves the system prompt to the last user
    /// turn) throw `.prefixBroken`, never a silently wrong mask.
    public func segments(messages: [JinjaValue], bosToken: String? = nil, eosToken: String? = nil,
                         extra: [String: JinjaValue] = [:]) throws -> [ChatTemplateSegment]
    {
        func render(_ upTo: Int, _ generationPrompt: Bool) throws -> [Unicode.Scalar] {
            Array(try self.render(messages: Array(messages[..<upTo]), addGenerationPrompt: generationPrompt,
                                  bosToken: bosToken, eosToken: eosToken, extra: extra).unicodeScalars)
        }
        let full = try render(messages.count, false)
        func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(full[range])) }
        var out: [ChatTemplateSegment] = []
        var consumed = 0
        for (k, m) in messages.enumerated() {
            guard case .object(let o) = m, o["role"] == .string("assistant") else { continue }
            let prompt = try render(k, true), through = try render(k + 1, false)
            guard prompt.count >= consumed, full.starts(with: through), through.starts(with: prompt) else {
                throw ChatTemplateError.prefixBroken(prompt: String(String.UnicodeScalarView(prompt)),
                                                     full: String(String.UnicodeScalarView(through)))
            }
            if prompt.count > consumed { out.append(ChatTemplateSegment(text: text(consumed..<prompt.count), trainable: false)) }
            out.append(ChatTemplateSegment(text: text(prompt.count..<through.count), trainable: true))
            consumed = through.count
        }
        if consumed < full.count { out.append(ChatTemplateSegment(text: text(consumed..<full.count), trainable: false)) }
        return out
    }

    /// `segments` for plain role/content messages.
    public func segments(messages: [ChatMessage], bosToken: String? = nil, eosToken: String? = nil,
                         extra: [String: JinjaValue] = [:]) throws -> [ChatTemplateSegment]
    {
        try segments(messages: messages.map(\.templateValue), bosToken: bosToken, eosToken: eosToken, extra: extra)
    }

    /// Whether the template marks assistant output with `{% generation %}...{% endgeneration %}`, the
    /// markers transformers' `return_assistant_tokens_mask` (TRL's `assistant_only_loss`) reads.
    public var hasGenerationBlocks: Bool { program.hasGenerationBlocks }

    /// Renders and reports where each `{% generation %}` block's output lies, in Unicode scalar offsets of
    /// the text (Python string indices, as transformers reports them).
    public func renderTrackingGeneration(messages: [JinjaValue], addGenerationPrompt: Bool = false, bosToken: String? = nil,
                                         eosToken: String? = nil, extra: [String: JinjaValue] = [:]) throws
        -> (text: String, generationSpans: [Range<Int>])
    {
        let renderer = JinjaRenderer(context: context(messages, addGenerationPrompt, bosToken, eosToken, extra), limits: limits)
        renderer.tracksGeneration = true
        let text = try renderer.render(program.nodes)
        return (text, renderer.generationSpans)
    }

    /// The render cut at the `{% generation %}` spans: generated text is `trainable`, the rest is not.
    public func generationSegments(messages: [JinjaValue], bosToken: String? = nil, eosToken: String? = nil,
                                   extra: [String: JinjaValue] = [:]) throws -> [ChatTemplateSegment]
    {
        let (text, spans) = try renderTrackingGeneration(messages: messages, bosToken: bosToken, eosToken: eosToken, extra: extra)
        let scalars = Array(text.unicodeScalars)
        func piece(_ r: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[r])) }
        var out: [ChatTemplateSegment] = []
        var at = 0
        for span in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) where span.lowerBound >= at && span.upperBound <= scalars.count {
            if span.lowerBound > at { out.append(ChatTemplateSegment(text: piece(at..<span.lowerBound), trainable: false)) }
            if !span.isEmpty { out.append(ChatTemplateSegment(text: piece(span), trainable: true)) }
            at = span.upperBound
        }
        if at < scalars.count { out.append(ChatTemplateSegment(text: piece(at..<scalars.count), trainable: false)) }
        return out
    }
}
