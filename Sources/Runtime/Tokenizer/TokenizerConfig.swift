import Foundation

/// What tokenizer_config.json (or GGUF metadata) says beside the tokenizer itself: the names of
/// the special tokens, whether BOS/EOS are added, and the chat template (kept as text; the
/// ChatTemplate engine renders it).
public struct TokenizerConfig: Sendable, Equatable {
    /// Names of the special tokens (`<|im_start|>`, `<s>`, ...).
    public var bosToken: String?
    public var eosToken: String?
    public var padToken: String?
    public var unkToken: String?
    /// nil when the file does not say; then the post-processor decides.
    public var addBosToken: Bool?
    public var addEosToken: Bool?
    public var chatTemplate: String?
    /// `model_max_length`, unless it is transformers' "unlimited" placeholder.
    public var modelMaxLength: Int?
    /// `tokenizer_class` (`LlamaTokenizerFast`, `GPT2Tokenizer`, ...). Recorded only: transformers
    /// 5 rebuilds the pipeline of such classes instead of reading tokenizer.json's; we follow
    /// tokenizer.json, as the `tokenizers` library (and transformers 4) do.
    public var tokenizerClass: String?

    /// A configuration; everything left out is unknown.
    public init(bosToken: String? = nil, eosToken: String? = nil, padToken: String? = nil, unkToken: String? = nil,
                addBosToken: Bool? = nil, addEosToken: Bool? = nil, chatTemplate: String? = nil,
                modelMaxLength: Int? = nil, tokenizerClass: String? = nil) {
        self.bosToken = bosToken; self.eosToken = eosToken; self.padToken = padToken; self.unkToken = unkToken
        self.addBosToken = addBosToken; self.addEosToken = addEosToken; self.chatTemplate = chatTemplate
        self.modelMaxLength = modelMaxLength
        self.tokenizerClass = tokenizerClass
    }

    /// Reads tokenizer_config.json. Special tokens may be strings or `{"content": ...}` objects;
    /// `chat_template` may be a string or a list of `{"name", "template"}` (the "default" one is kept).
    public static func read(_ url: URL) throws -> TokenizerConfig {
        let root = try JSONNode.read(url)
        func special(_ key: String) throws -> String? {
            guard let node = try root.optional(key) else { return nil }
            if let s = node.stringValue { return s }
            return try node.required("content").string()
        }
        var config = TokenizerConfig()
        config.bosToken = try special("bos_token")
        config.eosToken = try special("eos_token")
        config.padToken = try special("pad_token")
        config.unkToken = try special("unk_token")
        config.addBosToken = try root.optional("add_bos_token")?.bool()
        config.addEosToken = try root.optional("add_eos_token")?.bool()
        config.tokenizerClass = try root.string("tokenizer_class")
        if let length = try root.optional("model_max_length"), case .number(let n) = length.value, n < 1e18 {
            config.modelMaxLength = Int(n)
        }
        if let template = try root.optional("chat_template") {
            if let s = template.stringValue {
                config.chatTemplate = s
            } else {
                let named = try template.array().map { (try $0.required("name").string(), try $0.required("template").string()) }
                config.chatTemplate = named.first { $0.0 == "default" }?.1 ?? named.first?.1
            }
        }
        return config
    }
}
