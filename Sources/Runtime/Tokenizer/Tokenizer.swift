/// A BPE tokenizer with the behaviour of Hugging Face `tokenizers` (and transformers on top of
/// it): added tokens split out first, then normalizer, pre-tokenizer, BPE model, post-processor;
/// decoding through the decoder chain. Build one with `Tokenizer.load(folder:)`,
/// `Tokenizer(tokenizerJSON:)`, `Tokenizer(vocabJSON:mergesTXT:)` or `Tokenizer(gguf:)`.
///
/// ```swift
/// let tok = try Tokenizer.load(folder: modelFolder)
/// let ids = tok.encode("Hello", addSpecialTokens: true)
/// let text = tok.decode(ids, skipSpecialTokens: true)
/// ```
public struct Tokenizer: TextTokenizer {
    let model: BPEModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor?
    let decoder: TokenDecoder?
    /// Every added token (special or not), in file order.
    public let addedTokens: [AddedToken]
    let rawMatcher: AddedTokenMatcher
    let normalizedMatcher: AddedTokenMatcher
    /// id -> token string for the whole vocabulary, added tokens included (nil in gaps).
    let idToToken: [String?]
    let specialIds: Set<Int>
    let addedIds: [TokenKey: Int]
    let byteLevel: Bool

    /// Special tokens and options from tokenizer_config.json (or GGUF metadata), if any.
    public internal(set) var config: TokenizerConfig

    init(model: BPEModel, normalizer: Normalizer?, preTokenizer: PreTokenizer?, postProcessor: PostProcessor?,
         decoder: TokenDecoder?, addedTokens: [AddedToken], config: TokenizerConfig = TokenizerConfig()) {
        self.model = model
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedTokens = addedTokens
        rawMatcher = AddedTokenMatcher(addedTokens.filter { !$0.normalized })
        // Normalized tokens are matched in their normalized spelling.
        normalizedMatcher = AddedTokenMatcher(addedTokens.filter(\.normalized).map { t in
            var n = t
            if let normalizer { n.content = normalizer.apply(t.content) }
            return n
        })
        let size = max(Int(model.vocab.ids.values.max() ?? -1), addedTokens.map(\.id).max() ?? -1) + 1
        var table = [String?](repeating: nil, count: size)
        for (key, id) in model.vocab.ids { table[Int(id)] = key.text }
        for t in addedTokens { table[t.id] = t.content }
        idToToken = table
        specialIds = Set(addedTokens.filter(\.special).map(\.id))
        addedIds = Dictionary(addedTokens.map { (TokenKey($0.content), $0.id) }, uniquingKeysWith: { first, _ in first })
        byteLevel = preTokenizer?.isByteLevel ?? false
        self.config = config
    }

    // MARK: - TextTokenizer

    /// One past the largest id (model vocabulary and added tokens), the embedding rows a model needs.
    public var vocabularySize: Int { idToToken.count }
    public var bosTokenId: Int? { config.bosToken.flatMap(tokenId) }
    public var eosTokenId: Int? { config.eosToken.flatMap(tokenId) }
    public var padTokenId: Int? { config.padToken.flatMap(tokenId) }
    /// The id of the config's unknown token, if it names one.
    public var unkTokenId: Int? { config.unkToken.flatMap(tokenId) }
    /// The chat template (tokenizer_config.json, chat_template.jinja or GGUF), unrendered.
    public var chatTemplate: String? { config.chatTemplate }

    public func tokenId(_ token: String) -> Int? {
        addedIds[TokenKey(token)] ?? model.vocab[token].map(Int.init)
    }

    /// The token string of `id` as the vocabulary spells it (byte alphabet for byte-level models).
    public func token(_ id: Int) -> String? { id >= 0 && id < idToToken.count ? idToToken[id] : nil }

    /// Whether `id` is a special added token (skipped by `skipSpecialTokens`).
    public func isSpecial(_ id: Int) -> Bool { specialIds.contains(id) }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, parseSpecialTokens: true)
    }

    /// `parseSpecialTokens: false` reads special-token text in `text` (a user writing
    /// "<|im_end|>") as ordinary text, so data cannot inject control tokens; HF calls this
    /// `split_special_tokens`. The post-processor's BOS/EOS are still added.
    public func encode(_ text: String, addSpecialTokens: Bool, parseSpecialTokens: Bool) -> [Int] {
        let skip = !parseSpecialTokens
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { p in
            for part in rawMatcher.split(p, skipSpecial: skip) {
                switch part {
                case .token(let id): ids.append(id)
                case .text(let r): encodeNormalizing(UnsafeBufferPointer(rebasing: p[r]), isFirst: r.lowerBound == 0,
                                                     skipSpecial: skip, into: &ids)
                }
            }
        }
        if addSpecialTokens, let postProcessor { return postProcessor.apply(ids) }
        return ids
    }

    private func encodeNormalizing(_ raw: UnsafeBufferPointer<UInt8>, isFirst: Bool, skipSpecial: Bool,
                                   into ids: inout [Int]) {
        let normalized = normalizer.map { Array($0.apply(String(decoding: raw, as: UTF8.self)).utf8) } ?? Array(raw)
        if normalizedMatcher.isEmpty { return encodeNormalized(normalized, isFirst: isFirst, into: &ids) }
        normalized.withUnsafeBufferPointer { p in
            for part in normalizedMatcher.split(p, skipSpecial: skipSpecial) {
                switch part {
                case .token(let id): ids.append(id)
                case .text(let r): encodeNormalized(Array(p[r]), isFirst: isFirst && r.lowerBound == 0, into: &ids)
                }
            }
        }
    }

    private func encodeNormalized(_ bytes: [UInt8], isFirst: Bool, into ids: inout [Int]) {
        var pieces = PieceList(bytes)
        preTokenizer?.apply(&pieces, isFirst: isFirst)
        pieces.bytes.withUnsafeBufferPointer { p in
            for r in pieces.ranges { model.tokenize(p, r, byteLevel: byteLevel, into: &ids) }
        }
    }

    /// As HF: unknown ids are left out, bytes that are not UTF-8 become U+FFFD.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        let tokens = decodedTokens(ids, skipSpecialTokens: skipSpecialTokens)
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens)
    }

    /// Like `decode`, but throws `TokenizerError.invalidUTF8` instead of writing U+FFFD (for
    /// callers that must not hand on corrupted text, like a file writer).
    public func decodeStrict(_ ids: [Int], skipSpecialTokens: Bool = false) throws -> String {
        let tokens = decodedTokens(ids, skipSpecialTokens: skipSpecialTokens)
        guard let decoder else { return tokens.joined(separator: " ") }
        return try decoder.decodeStrict(tokens)
    }

    private func decodedTokens(_ ids: [Int], skipSpecialTokens: Bool) -> [String] {
        ids.compactMap { id -> String? in
            guard let t = token(id) else { return nil }
            return skipSpecialTokens && specialIds.contains(id) ? nil : t
        }
    }
}
