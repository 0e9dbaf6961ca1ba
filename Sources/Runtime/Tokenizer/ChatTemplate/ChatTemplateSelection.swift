/// Choosing among a model's named chat templates, as transformers' `get_chat_template` does.
///
/// `tokenizer_config.json` stores `chat_template` either as one string or as a list of
/// `{"name": ..., "template": ...}` objects; GGUF files store extra ones under `tokenizer.chat_template.<name>`.
extension ChatTemplate {
    /// The named templates in a `chat_template` config value: one string becomes `["default": it]`.
    /// Throws `.missingTemplate` naming what was found instead.
    public static func namedTemplates(fromConfigValue value: JinjaValue) throws -> [String: String] {
        switch value {
        case .string(let s): return ["default": s]
        case .array(let items):
            var out: [String: String] = [:]
            for (k, item) in items.enumerated() {
                guard case .object(let o) = item, case .string(let name)? = o["name"], case .string(let template)? = o["template"] else {
                    throw ChatTemplateError.missingTemplate(
                        message: "chat_template[\(k)] must be an object with string 'name' and 'template', got \(item.pythonRepr.prefix(80))")
                }
                out[name] = template
            }
            return out
        case .object(let o):
            var out: [String: String] = [:]
            for (name, v) in o.pairs {
                guard case .string(let template) = v else {
                    throw ChatTemplateError.missingTemplate(message: "chat_template['\(name)'] must be a string, got \(v.typeName)")
                }
                out[name] = template
            }
            return out
        default:
            throw ChatTemplateError.missingTemplate(message: "chat_template must be a string or a list of named templates, got \(value.typeName)")
        }
    }

    /// The template text to use: the one called `name` if given; otherwise `tool_use` when tools are
    /// passed and the model has one, else `default`.
    public static func select(from templates: [String: String], name: String? = nil, usingTools: Bool = false) throws -> String {
        if let name {
            guard let t = templates[name] else {
                throw ChatTemplateError.missingTemplate(
                    message: "no chat template named '\(name)'; available: \(templates.keys.sorted().joined(separator: ", "))")
            }
            return t
        }
        if usingTools, let t = templates["tool_use"] { return t }
        if let t = templates["default"] { return t }
        if templates.isEmpty { throw ChatTemplateError.missingTemplate(message: "the tokenizer has no chat template") }
        throw ChatTemplateError.missingTemplate(
            message: "the model has several chat templates and none is 'default'; pick one of: \(templates.keys.sorted().joined(separator: ", "))")
    }
}
