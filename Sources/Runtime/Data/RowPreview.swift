/// One token as `data show` displays it.
public struct PreviewToken: Sendable, Equatable {
    public var id: Int
    /// The token's own text (`decode([id])`; special tokens included).
    public var text: String
    /// True when the model is trained to produce this token (its label is not -100).
    public var supervised: Bool

    public init(id: Int, text: String, supervised: Bool) {
        self.id = id
        self.text = text
        self.supervised = supervised
    }
}

/// A rendered, tokenized row as the model will see it in training, for `data show N`.
public struct RowPreview: Sendable, Equatable {
    public var index: Int
    public var line: Int
    /// The template's segments (prompt and completion text before tokenization).
    public var segments: [TextSegment]
    /// The tokens after BOS/EOS handling and truncation.
    public var tokens: [PreviewToken]
    /// Why the row would not be trained on, when it would be dropped.
    public var dropped: DroppedExample.Reason?

    /// Runs of consecutive tokens with the same flag, each run decoded as a whole (so characters
    /// split across byte-level tokens read right): what the shell highlights.
    public var spans: [TextSegment]

    public var supervisedCount: Int { tokens.filter(\.supervised).count }
}

extension ExampleTokenizer {
    /// The first `count` examples rendered and tokenized exactly as training would, with each
    /// token's text and supervised flag; dropped rows are shown too, with the reason.
    public func preview(_ examples: [SourceExample], template: PromptTemplate, count: Int,
                        file: String = "") throws -> [RowPreview] {
        try examples.prefix(max(0, count)).map { example in
            let segments = try template.render(example, file: file)
            let result = try tokenize([example], template: template, file: file)
            let tokenized = result.examples.first ?? {
                // Dropped: show the tokens it would have had, all unsupervised.
                let ids = Array(tokens(of: segments).ids.prefix(options.maxLength))
                return TokenizedExample(inputIds: ids, labels: ids.map { _ in ignoredLabel },
                                        index: example.index, line: example.row.line)
            }()
            let previewTokens = zip(tokenized.inputIds, tokenized.labels).map { id, label in
                PreviewToken(id: id, text: tokenizer.decode([id], skipSpecialTokens: false), supervised: label != ignoredLabel)
            }
            var spans: [TextSegment] = []
            var start = 0
            // 1..<count+1 is empty for an empty row, where 1...count would trap.
            for i in 1..<(previewTokens.count + 1) where i == previewTokens.count || previewTokens[i].supervised != previewTokens[start].supervised {
                let ids = previewTokens[start..<i].map(\.id)
                spans.append(TextSegment(tokenizer.decode(ids, skipSpecialTokens: false), supervised: previewTokens[start].supervised))
                start = i
            }
            return RowPreview(index: example.index, line: example.row.line, segments: segments,
                              tokens: previewTokens, dropped: result.summary.dropped.first?.reason, spans: spans)
        }
    }
}
