/// Which tokens carry labels.
public enum LossMode: String, Sendable, CaseIterable {
    /// Only completion segments (outputs, assistant turns) and the EOS: TRL's default for
    /// prompt/completion data. `text` rows are trained on whole either way.
    case completionOnly = "completion"
    /// Every token (after the first; see `TokenizedExample.labels`).
    case fullSequence = "full"
}

/// How rendered examples become token ids and labels.
public struct TokenizationOptions: Sendable, Equatable {
    /// Longest sequence kept; longer ones lose their end (the start is kept). TRL's default is 1024.
    public var maxLength: Int
    public var loss: LossMode
    /// Append the tokenizer's EOS, supervised, at the end unless the last supervised run of tokens
    /// already holds it (so the model learns to stop, and a chat turn closed by the EOS gets no second one).
    public var appendEOS: Bool

    public init(maxLength: Int = 1024, loss: LossMode = .completionOnly, appendEOS: Bool = true) {
        self.maxLength = maxLength
        self.loss = loss
        self.appendEOS = appendEOS
    }
}

/// One training sequence.
public struct TokenizedExample: Sendable, Equatable {
    /// Token ids, at most `maxLength`.
    public var inputIds: [Int]
    /// Per token: its id when the model is trained to produce it, else -100. The first label is
    /// always -100: no earlier token predicts it, and in a packed row it would otherwise be
    /// predicted from the previous example (TRL masks it the same way when packing).
    public var labels: [Int]
    /// Position of the source row in its table (0-based) and its line in the file.
    public var index: Int
    public var line: Int

    public init(inputIds: [Int], labels: [Int], index: Int, line: Int) {
        precondition(inputIds.count == labels.count, "inputIds \(inputIds.count) and labels \(labels.count) differ in length")
        self.inputIds = inputIds
        self.labels = labels
        self.index = index
        self.line = line
    }

    public var length: Int { inputIds.count }
    /// Tokens the loss is computed on.
    public var supervisedCount: Int { labels.reduce(0) { $0 + ($1 == ignoredLabel ? 0 : 1) } }
}

/// The label of tokens not trained on (PyTorch's cross-entropy `ignore_index`).
public let ignoredLabel = -100

/// An example left out of training, and why.
public struct DroppedExample: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Nothing to train on: no completion or assistant turn.
        case noSupervisedTokens
        /// The prompt alone fills `maxLength`: truncation cut away every supervised token.
        case promptFillsMaxLength(promptTokens: Int, maxLength: Int)
    }
    public var index: Int
    public var line: Int
    public var reason: Reason

    public init(index: Int, line: Int, reason: Reason) {
        self.index = index
        self.line = line
        self.reason = reason
    }
}

/// What tokenization did to a data set; the shell shows it, and shows drops loudly.
public struct TokenizationSummary: Sendable, Equatable {
    public var rows = 0
    public var kept = 0
    public var dropped: [DroppedExample] = []
    /// Examples cut to `maxLength` (kept or not).
    public var truncated = 0
    /// Examples that got an EOS appended.
    public var eosAppended = 0
    /// Examples whose prompt tokens were not a prefix of the whole sequence's tokens (a token
    /// merged across the prompt/completion boundary); the completion starts where they diverge.
    public var boundaryMerges = 0

    public init() {}

    /// Sentences for the person running training; empty when there is nothing to worry about.
    public var warnings: [String] {
        var out: [String] = []
        let noSupervised = dropped.filter { $0.reason == .noSupervisedTokens }
        let tooLong = dropped.filter { if case .promptFillsMaxLength = $0.reason { return true } else { return false } }
        if !noSupervised.isEmpty {
            out.append("dropped \(noSupervised.count) of \(rows) examples with no supervised tokens (lines \(Self.lines(noSupervised)))")
        }
        if !tooLong.isEmpty {
            out.append("dropped \(tooLong.count) of \(rows) examples whose prompt fills max_len, leaving nothing to train on (lines \(Self.lines(tooLong)))")
        }
        if truncated > 0 { out.append("truncated \(truncated) of \(rows) examples to max_len") }
        if boundaryMerges > 0 {
            out.append("\(boundaryMerges) examples have a token spanning the prompt/completion boundary; it counts as completion")
        }
        return out
    }

    private static func lines(_ d: [DroppedExample]) -> String {
        let shown = d.prefix(8).map { String($0.line) }.joined(separator: ", ")
        return d.count > 8 ? shown + ", ..." : shown
    }
}

/// Tokenized examples with the summary of how they were made.
public struct TokenizedDataset: Sendable, Equatable {
    public var examples: [TokenizedExample]
    public var summary: TokenizationSummary

    public init(examples: [TokenizedExample], summary: TokenizationSummary) {
        self.examples = examples
        self.summary = summary
    }
}

/// Turns rendered segments into ids and labels through any `TextTokenizer`.
///
/// The completion mask comes from the template's segments, never from searching tokens. Like TRL,
/// the text up to each segment boundary is tokenized on its own and the boundary is where its
/// tokens stop agreeing with the whole text's tokens: the training sequence is exactly the
/// tokenization of the whole text (what the model sees at inference), and a token merged across
/// the boundary counts as completion (reported in `boundaryMerges`).
///
/// BOS: the special tokens the tokenizer puts in front of a text (found once by comparing
/// `encode("a", addSpecialTokens: true)` with `false`) are added unless the text's own tokens
/// already start with them, so a chat template that writes the BOS text gets no second BOS.
public struct ExampleTokenizer: Sendable {
    public let tokenizer: any TextTokenizer
    public let options: TokenizationOptions
    /// Special ids the tokenizer adds in front of a text (e.g. [BOS]; [] for GPT-2 style).
    public let leadingSpecialIds: [Int]

    public init(tokenizer: any TextTokenizer, options: TokenizationOptions = TokenizationOptions()) throws {
        guard options.maxLength >= 2 else {
            throw DataError(file: "", key: "max_len", "max_len \(options.maxLength) is too small: need at least 2 tokens")
        }
        self.tokenizer = tokenizer
        self.options = options
        let with = tokenizer.encode("a", addSpecialTokens: true)
        let without = tokenizer.encode("a", addSpecialTokens: false)
        var lead: [Int] = []
        if !without.isEmpty, with.count > without.count {
            for start in 0...(with.count - without.count) where Array(with[start..<(start + without.count)]) == without {
                lead = Array(with[..<start])
                break
            }
        }
        leadingSpecialIds = lead
    }

    /// Ids of `text` with the leading special tokens added once.
    public func encode(_ text: String) -> [Int] {
        let ids = tokenizer.encode(text, addSpecialTokens: false)
        return ids.starts(with: leadingSpecialIds) ? ids : leadingSpecialIds + ids
    }

    /// Ids and the per-token "trained on" flags of segments, before truncation.
    /// `merged` is true when a boundary fell inside a token.
    public func tokens(of segments: [TextSegment]) -> (ids: [Int], supervised: [Bool], merged: Bool, eosAppended: Bool) {
        // With full-sequence loss every boundary is irrelevant: one span, one encoding.
        let segments = options.loss == .fullSequence && segments.count > 1
            ? [TextSegment(segments.map(\.text).joined(), supervised: true)] : segments
        let whole = segments.map(\.text).joined()
        var ids = encode(whole)
        var supervised = [Bool](repeating: false, count: ids.count)
        var merged = false
        var start = 0
        var text = ""
        for (k, segment) in segments.enumerated() {
            text += segment.text
            var end = ids.count
            if k < segments.count - 1 && segment.supervised != segments[k + 1].supervised {
                let upTo = encode(text)
                end = zip(upTo, ids).prefix { $0 == $1 }.count
                if end < upTo.count { merged = true }
                end = max(end, start)
            } else if k < segments.count - 1 {
                continue  // same flag as the next segment: one span
            }
            let trained = segment.supervised || options.loss == .fullSequence
            for i in start..<end { supervised[i] = trained }
            start = end
        }
        var eosAppended = false
        let anySupervised = options.loss == .fullSequence || segments.contains { $0.supervised }
        if options.appendEOS, anySupervised, let eos = tokenizer.eosTokenId {
            // The last supervised run already holding the EOS (a completion ending in "</s>", or a
            // chat turn closed by an end-of-turn token that is the EOS, as <|im_end|> in SmolLM2
            // and Qwen) needs none; otherwise the EOS is appended and supervised.
            var k = supervised.lastIndex(of: true) ?? -1
            var hasEOS = false
            while k >= 0 && supervised[k] {
                if ids[k] == eos { hasEOS = true; break }
                k -= 1
            }
            if !hasEOS {
                ids.append(eos)
                supervised.append(true)
                eosAppended = true
            }
        }
        return (ids, supervised, merged, eosAppended)
    }

    /// Renders and tokenizes every example; drops (and counts) those left with no supervised
    /// token. Throws what rendering throws (naming the row).
    public func tokenize(_ examples: [SourceExample], template: PromptTemplate, file: String = "") throws -> TokenizedDataset {
        var summary = TokenizationSummary()
        var out: [TokenizedExample] = []
        out.reserveCapacity(examples.count)
        for example in examples {
            summary.rows += 1
            let t = tokens(of: try template.render(example, file: file))
            if t.merged { summary.boundaryMerges += 1 }
            if t.eosAppended { summary.eosAppended += 1 }
            var ids = t.ids, flags = t.supervised
            let hadSupervised = flags.dropFirst().contains(true)
            if ids.count > options.maxLength {
                ids.removeLast(ids.count - options.maxLength)
                flags.removeLast(flags.count - options.maxLength)
                summary.truncated += 1
            }
            var labels = zip(ids, flags).map { $1 ? $0 : ignoredLabel }
            if !labels.isEmpty { labels[0] = ignoredLabel }
            let example = TokenizedExample(inputIds: ids, labels: labels, index: example.index, line: example.row.line)
            guard example.supervisedCount > 0 else {
                let reason: DroppedExample.Reason = hadSupervised
                    ? .promptFillsMaxLength(promptTokens: t.supervised.firstIndex(of: true) ?? t.ids.count, maxLength: options.maxLength)
                    : .noSupervisedTokens
                summary.dropped.append(DroppedExample(index: example.index, line: example.line, reason: reason))
                continue
            }
            out.append(example)
        }
        summary.kept = out.count
        return TokenizedDataset(examples: out, summary: summary)
    }
}
