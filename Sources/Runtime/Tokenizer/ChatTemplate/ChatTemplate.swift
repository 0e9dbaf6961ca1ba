/// One message of a conversation, as `apply_chat_template` receives it.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }

    var templateValue: JinjaValue { .object(JinjaObject([("role", .string(role)), ("content", .string(content))])) }
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
    let program: JinjaProgram

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
        try render(context: context(messages, addGenerationPrompt, bosToken, eosToken, extra))
    }

    /// The variables transformers passes: messages, tools/documents (None unless given), the generation
    /// flag, the special tokens that are set, then any extra keyword arguments.
    func context(_ messages: [JinjaValue], _ addGenerationPrompt: Bool, _ bosToken: String?, _ eosToken: String?,
                         _ extra: [String: JinjaValue]) -> [String: JinjaValue]
    {
        var context: [String: JinjaValue] = ["messages": .array(messages), "tools": .none, "documents": .none,
                                             "add_generation_prompt": .bool(addGenerationPrompt)]
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        for (k, v) in extra { context[k] = v }
        return context
    }

    /// Renders with exactly these top-level variables.
    public func render(context: [String: JinjaValue]) throws -> String {
        try JinjaRenderer(context: context, limits: limits).render(program.nodes)
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
final class JinjaProgram: @unchecked Sendable {
    let nodes: [JinjaNode]
    let hasGenerationBlocks: Bool
    init(nodes: [JinjaNode]) {
        self.nodes = nodes
        hasGenerationBlocks = JinjaProgram.containsGeneration(nodes)
    }

    private static func containsGeneration(_ nodes: [JinjaNode]) -> Bool {
        nodes.contains { node in
            switch node {
            case .group: return true
            case .ifChain(let branches, let otherwise): return branches.contains { containsGeneration($0.1) } || containsGeneration(otherwise)
            case .forLoop(_, _, _, let body, let otherwise, _): return containsGeneration(body) || containsGeneration(otherwise)
            case .setBlock(_, let body): return containsGeneration(body)
            case .macro(let m): return containsGeneration(m.body)
            default: return false
            }
        }
    }
}
