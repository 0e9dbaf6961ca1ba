/// One message of a conversation, as `apply_chat_template` receives it.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }

    var templateValue: JinjaValue { .object(JinjaObject([("role", .string(role)), ("content", .string(content))])) }
}

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

/// A model's Jinja chat template, parsed once and rendered with the exact semantics of transformers'
/// `tokenizer.apply_chat_template(messages, tokenize=False, ...)`.
///
/// ```swift
/// let template = try ChatTemplate(source: config.chatTemplate)
/// let text = try template.render(messages: [ChatMessage(role: "user", content: "Hi")],
///                                addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
/// ```
public struct ChatTemplate: Sendable {
    public let source: String
    public var limits: JinjaLimits
    private let program: JinjaProgram

    /// Parses `source`. Throws `ChatTemplateError.syntax` / `.unsupported` naming line and column.
    public init(source: String, limits: JinjaLimits = JinjaLimits()) throws {
        self.source = source
        self.limits = limits
        var lexer = JinjaLexer(source: source)
        var parser = JinjaParser(tokens: try lexer.tokenize())
        program = JinjaProgram(nodes: try parser.parseTemplate())
    }

    /// Renders a conversation. Like transformers, the template also sees `tools` and `documents` as None
    /// unless `extra` provides them, and `bos_token`/`eos_token` only when given. `extra` adds or overrides
    /// any other template variable (`tools`, `date_string`, `enable_thinking`, ...).
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool = false, bosToken: String? = nil,
                       eosToken: String? = nil, extra: [String: JinjaValue] = [:]) throws -> String
    {
        try render(messages: messages.map(\.templateValue), addGenerationPrompt: addGenerationPrompt,
                   bosToken: bosToken, eosToken: eosToken, extra: extra)
    }

    /// Renders messages given as template values (for messages with fields beyond role and content,
    /// such as `tool_calls`).
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool = false, bosToken: String? = nil,
                       eosToken: String? = nil, extra: [String: JinjaValue] = [:]) throws -> String
    {
        var context: [String: JinjaValue] = ["messages": .array(messages), "tools": .none, "documents": .none,
                                             "add_generation_prompt": .bool(addGenerationPrompt)]
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        for (k, v) in extra { context[k] = v }
        return try render(context: context)
    }

    /// Renders with exactly these top-level variables.
    public func render(context: [String: JinjaValue]) throws -> String {
        try JinjaRenderer(context: context, limits: limits).render(program.nodes)
    }

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

    /// Whether rendered text already begins with the BOS token, so a tokenizer must not add another.
    public static func startsWithBOS(_ rendered: String, bosToken: String) -> Bool {
        !bosToken.isEmpty && rendered.unicodeScalars.starts(with: bosToken.unicodeScalars)
    }

    /// Whether this template writes `bosToken` at the start of its output (probed with a one-message
    /// conversation). Tokenizers use it to avoid a double BOS when encoding rendered chats.
    public func rendersBOS(bosToken: String, eosToken: String? = nil) throws -> Bool {
        let probe = try render(messages: [ChatMessage(role: "user", content: "x")], addGenerationPrompt: true,
                               bosToken: bosToken, eosToken: eosToken)
        return ChatTemplate.startsWithBOS(probe, bosToken: bosToken)
    }
}

/// The parsed statements. A final class with immutable contents so `ChatTemplate` stays a cheap,
/// Sendable value: rendering only reads it.
private final class JinjaProgram: @unchecked Sendable {
    let nodes: [JinjaNode]
    init(nodes: [JinjaNode]) { self.nodes = nodes }
}
