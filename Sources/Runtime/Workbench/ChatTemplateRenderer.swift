import Foundation

/// A model's chat template as the data pipeline's `ConversationRenderer`: it renders turns with
/// the tokenizer's BOS/EOS strings, exactly as transformers' `apply_chat_template` would.
/// Whether the rendered text already holds the BOS is known once (`rendersBOS`), so encoding a
/// rendered chat never adds a second BOS.
public struct ChatTemplateRenderer: ConversationRenderer {
    public let template: ChatTemplate
    public let bosToken: String?
    public let eosToken: String?
    /// True when the template writes the BOS text itself (Llama 3 style templates).
    public let rendersBOS: Bool

    public init(template: ChatTemplate, bosToken: String?, eosToken: String?) throws {
        self.template = template
        self.bosToken = bosToken
        self.eosToken = eosToken
        rendersBOS = try bosToken.map { try template.rendersBOS(bosToken: $0, eosToken: eosToken) } ?? false
    }

    public func render(_ turns: [ConversationTurn], addGenerationPrompt: Bool) throws -> String {
        try template.render(messages: turns.map { ChatMessage(role: $0.role, content: $0.content) },
                            addGenerationPrompt: addGenerationPrompt, bosToken: bosToken, eosToken: eosToken)
    }
}
