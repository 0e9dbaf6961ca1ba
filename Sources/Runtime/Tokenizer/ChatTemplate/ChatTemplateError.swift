/// Where in a template something happened: 1-based line and column (columns count Unicode scalars).
public struct TemplatePosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// Everything that can go wrong parsing or rendering a chat template.
public enum ChatTemplateError: Error, Equatable, CustomStringConvertible {
    /// The template text is not valid Jinja (unclosed tag, bad expression, unknown filter, ...).
    case syntax(message: String, at: TemplatePosition)
    /// The template is valid Jinja but uses a feature outside the supported subset.
    case unsupported(message: String, at: TemplatePosition)
    /// Evaluation failed: undefined variable used as a value, type error, bad index, ...
    case render(message: String, at: TemplatePosition)
    /// The template called `raise_exception(message)`; `message` is exactly what it passed.
    case raised(message: String)
    /// The step or output budget ran out (a runaway loop or recursion).
    case limitExceeded(message: String)
    /// `parts(...)`: the prompt render is not a prefix of the full render, so the completion
    /// cannot be cut from the template's output.
    case prefixBroken(prompt: String, full: String)
    /// `parts(...)` needs a conversation that ends with an assistant message.
    case badConversation(message: String)
    /// No usable template in the tokenizer's settings (none at all, or no default among named ones).
    case missingTemplate(message: String)

    public var description: String {
        switch self {
        case .syntax(let m, let p): return "chat template syntax error at \(p): \(m)"
        case .unsupported(let m, let p): return "chat template uses an unsupported feature at \(p): \(m)"
        case .render(let m, let p): return "chat template failed at \(p): \(m)"
        case .raised(let m): return "chat template raised: \(m)"
        case .limitExceeded(let m): return "chat template stopped: \(m)"
        case .prefixBroken(let prompt, let full):
            return "chat template breaks the prefix property: the prompt render (\(prompt.unicodeScalars.count) "
                + "characters, add_generation_prompt=true) is not a prefix of the full conversation render "
                + "(\(full.unicodeScalars.count) characters); the completion cannot be cut from it"
        case .badConversation(let m): return "chat template: \(m)"
        case .missingTemplate(let m): return "chat template: \(m)"
        }
    }
}
