import Foundation

extension PromptTemplate {
    /// A built-in template by name, or else a template file at that path (relative paths from
    /// `directory`, e.g. the recipe's folder). Throws for an unknown name that is not a file.
    public static func resolve(_ spec: String, renderer: (any ConversationRenderer)? = nil,
                               directory: URL? = nil) throws -> PromptTemplate {
        if builtInNames.contains(spec) { return try named(spec, renderer: renderer) }
        let url = spec.hasPrefix("/") || directory == nil
            ? URL(fileURLWithPath: spec) : directory!.appendingPathComponent(spec)
        guard FileManager.default.fileExists(atPath: url.path) else { return try named(spec, renderer: renderer) }
        return .file(try TemplateFile.load(url))
    }
}

extension DataTable {
    /// Reads the rows in their format and tokenizes them: the whole path from a loaded file to
    /// training sequences, in one call. `template` nil means the format's default
    /// (`PromptTemplate.defaultTemplate(for:)`). Throws what each step throws, naming file, line, key.
    public func tokenized(format: RowFormat? = nil, mapping: ColumnMapping = ColumnMapping(),
                          template: PromptTemplate? = nil, tokenizer: any TextTokenizer,
                          options: TokenizationOptions = TokenizationOptions()) throws -> TokenizedDataset {
        let examples = try examples(format: format, mapping: mapping)
        let detected = format ?? RowFormat.detect(columns: mapping.apply(to: rows[0]).keys) ?? .text
        let template = template ?? PromptTemplate.defaultTemplate(for: detected)
        return try ExampleTokenizer(tokenizer: tokenizer, options: options).tokenize(examples, template: template, file: source)
    }
}
