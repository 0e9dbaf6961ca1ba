/// A batch ready for the trainer: `rows` sequences of `length` tokens, every array flat and
/// row-major [rows, length]. The same type serves padded and packed batches.
///
/// Attention: token i may attend to token j of its row iff j <= i and both have the same
/// `sequenceIds` value >= 0 (a block-diagonal causal mask); padding (-1) attends to nothing and
/// is attended by nothing. Padded batches hold one sequence per row, packed batches several.
public struct TokenBatch: Sendable, Equatable {
    public var rows: Int
    public var length: Int
    /// [rows, length] token ids; padding holds the pad id.
    public var inputIds: [Int]
    /// [rows, length] labels; -100 on prompts, first tokens and padding, the id elsewhere.
    public var labels: [Int]
    /// [rows, length] positions, restarting at 0 for each packed example; 0 on padding.
    public var positionIds: [Int]
    /// [rows, length] which example of its row a token belongs to (0, 1, ...), -1 on padding.
    public var sequenceIds: [Int]
    /// Per row, the `TokenizedExample.index` of each example in it, in order.
    public var exampleIndices: [[Int]]

    /// Tokens that are not padding.
    public var realTokens: Int { sequenceIds.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
    /// Labels the loss is computed on (the trainer's normalizer).
    public var supervisedTokens: Int { labels.reduce(0) { $0 + ($1 == ignoredLabel ? 0 : 1) } }
    /// Real tokens over rows x length.
    public var fillRatio: Double { rows * length == 0 ? 0 : Double(realTokens) / Double(rows * length) }

    /// Lays out `groups` (each row: the examples it holds, in order) into a right-padded batch as
    /// long as the longest row (rounded up to `padToMultipleOf`).
    public init(groups: [[TokenizedExample]], padId: Int, padToMultipleOf: Int = 1) {
        precondition(padToMultipleOf >= 1, "padToMultipleOf \(padToMultipleOf) must be >= 1")
        let longest = groups.map { $0.reduce(0) { $0 + $1.length } }.max() ?? 0
        let length = (longest + padToMultipleOf - 1) / padToMultipleOf * padToMultipleOf
        rows = groups.count
        self.length = length
        inputIds = [Int](repeating: padId, count: rows * length)
        labels = [Int](repeating: ignoredLabel, count: rows * length)
        positionIds = [Int](repeating: 0, count: rows * length)
        sequenceIds = [Int](repeating: -1, count: rows * length)
        exampleIndices = groups.map { $0.map(\.index) }
        for (r, group) in groups.enumerated() {
            var at = r * length
            for (s, example) in group.enumerated() {
                for t in 0..<example.length {
                    inputIds[at] = example.inputIds[t]
                    // The first label of every example stays masked so a packed example is never
                    // predicted from the one before it.
                    labels[at] = t == 0 ? ignoredLabel : example.labels[t]
                    positionIds[at] = t
                    sequenceIds[at] = s
                    at += 1
                }
            }
        }
    }
}

/// The pad id a tokenizer implies: its pad token, else its EOS (the EOS that ends a completion
/// keeps its label: padding is told apart by `sequenceIds`, never by id). Throws when it has neither.
public func paddingTokenId(of tokenizer: any TextTokenizer) throws -> Int {
    guard let id = tokenizer.padTokenId ?? tokenizer.eosTokenId else {
        throw DataError(file: "", key: "pad", "the tokenizer has neither a pad nor an EOS token to pad batches with")
    }
    return id
}
