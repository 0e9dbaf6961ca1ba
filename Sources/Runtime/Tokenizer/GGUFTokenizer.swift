/// Building a tokenizer from GGUF metadata (llama.cpp's `tokenizer.ggml.*` keys), the way
/// transformers converts a GGUF (`AutoTokenizer.from_pretrained(..., gguf_file=)`): "gpt2" is a
/// byte-level BPE whose split regex follows `tokenizer.ggml.pre`; "llama" is a SentencePiece-style
/// BPE with byte fallback whose merges are rebuilt from the token scores when the file has none
/// (Gemma files: from the token order, with blank tokens respelled as "▁"; Phi-3: a normalizer
/// puts the prefix space instead of Metaspace).
extension Tokenizer {
    /// `metadata`: the key/value section of a GGUF file. `file` names it in errors.
    public init(gguf metadata: [String: GGUFValue], file: String = "gguf") throws {
        func fail(_ key: String, _ expected: String) -> TokenizerError {
            .malformed(file: file, path: key, expected: expected)
        }
        func strings(_ key: String) throws -> [String]? {
            guard let value = metadata[key] else { return nil }
            guard let items = value.arrayValue else { throw fail(key, "an array of strings") }
            return try items.map { guard let s = $0.stringValue else { throw fail(key, "an array of strings") }; return s }
        }
        func id(_ key: String) throws -> Int? {
            guard let value = metadata[key] else { return nil }
            guard let i = value.intValue else { throw fail(key, "a token id") }
            return i
        }
        let modelKey = "tokenizer.ggml.model"
        guard let kind = metadata[modelKey]?.stringValue else { throw fail(modelKey, "a tokenizer type string") }
        guard let original = try strings("tokenizer.ggml.tokens") else { throw fail("tokenizer.ggml.tokens", "the token list") }
        var tokens = original
        let types = try metadata["tokenizer.ggml.token_type"].map { v -> [Int] in
            guard let items = v.arrayValue else { throw fail("tokenizer.ggml.token_type", "an array of integers") }
            return try items.map { guard let i = $0.intValue else { throw fail("tokenizer.ggml.token_type", "integers") }; return i }
        } ?? []
        guard types.isEmpty || types.count == original.count else {
            throw fail("tokenizer.ggml.token_type", "\(tokens.count) entries, one per token")
        }
        let byteLevel: Bool
        switch kind {
        case "gpt2":
            byteLevel = true
            // Tokens outside the byte alphabet are respelled through it.
            tokens = tokens.map { ByteLevelAlphabet.bytes(of: $0) != nil ? $0 : ByteLevelAlphabet.spell($0.utf8) }
        case "llama": byteLevel = false
        default: throw TokenizerError.unsupported(file: file, path: modelKey, type: kind)
        }
        let architecture = metadata["general.architecture"]?.stringValue ?? ""
        let gemma = !byteLevel && ["gemma", "gemma2", "gemma3"].contains(architecture)
        if gemma {
            tokens = tokens.map { t in
                t.count > 1 && t.allSatisfy({ $0 == " " }) ? String(repeating: "\u{2581}", count: t.unicodeScalars.count) : t
            }
        }
        var vocab = Vocabulary()
        for (i, t) in tokens.enumerated() { vocab[t] = Int32(i) }  // a repeated token keeps its last id, as in transformers

        var rules: [BPEModel.MergeRule] = []
        if let listed = try strings("tokenizer.ggml.merges") {
            rules.reserveCapacity(listed.count)
            for (k, m) in listed.enumerated() {
                let parts = m.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw fail("tokenizer.ggml.merges[\(k)]", "\"a b\"") }
                let (a, b) = (String(parts[0]), String(parts[1]))
                for token in [a, b, a + b] where vocab[token] == nil {
                    throw fail("tokenizer.ggml.merges[\(k)]", "tokens in the token list (\"\(token)\" is not)")
                }
                rules.append(.init(left: vocab[a]!, right: vocab[b]!, merged: vocab[a + b]!))
            }
        } else if gemma {
            // Gemma's scores do not follow its merge order; the token order does.
            rules = Self.mergesFromScores(tokens: tokens, vocab: vocab, scores: tokens.indices.map { -Double($0) })
        } else {
            guard let scores = metadata["tokenizer.ggml.scores"]?.arrayValue?.compactMap(\.doubleValue),
                  scores.count == tokens.count else {
                throw fail("tokenizer.ggml.scores", "one score per token (the file has no merges)")
            }
            rules = Self.mergesFromScores(tokens: tokens, vocab: vocab, scores: scores)
        }
        let model = BPEModel(vocab: vocab, rules: rules, unkToken: byteLevel ? nil : "<unk>", fuseUnk: !byteLevel,
                             byteFallback: !byteLevel, ignoreMerges: false)

        // Control tokens (type 3) are special; user-defined ones (type 4) are plain added tokens.
        var added: [AddedToken] = []
        // A byte-level control token spelled outside the byte alphabet is a mislabel and is skipped.
        for (i, type) in types.enumerated() {
            if type == 3 && (!byteLevel || ByteLevelAlphabet.bytes(of: original[i]) != nil) {
                added.append(AddedToken(id: i, content: tokens[i], special: true))
            } else if type == 4, let id = vocab[original[i]] {
                added.append(AddedToken(id: Int(id), content: original[i], special: false))
            }
        }
        var config = TokenizerConfig()
        func name(_ key: String) throws -> String? {
            try id(key).flatMap { $0 >= 0 && $0 < tokens.count ? tokens[$0] : nil }
        }
        config.bosToken = try name("tokenizer.ggml.bos_token_id")
        config.eosToken = try name("tokenizer.ggml.eos_token_id")
        config.unkToken = try name("tokenizer.ggml.unknown_token_id")
        config.padToken = try name("tokenizer.ggml.padding_token_id")
        config.addBosToken = metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? (byteLevel ? nil : true)
        config.addEosToken = metadata["tokenizer.ggml.add_eos_token"]?.boolValue
        config.chatTemplate = metadata["tokenizer.chat_template"]?.stringValue

        if byteLevel {
            let pre = metadata["tokenizer.ggml.pre"]?.stringValue ?? "default"
            let preTokenizer: PreTokenizer
            if let source = Self.ggufSplitRegex[pre], let pattern = TextPattern.regex(source) {
                preTokenizer = .sequence([.split(SplitPattern(pattern), behavior: .isolated, invert: false),
                                          .byteLevel(addPrefixSpace: false, useRegex: false)])
            } else {
                preTokenizer = .byteLevel(addPrefixSpace: false, useRegex: true)
            }
            self.init(model: model, normalizer: nil, preTokenizer: preTokenizer, postProcessor: .template([.sequence]),
                      decoder: .byteLevel, addedTokens: added)
        } else if gemma {
            self.init(model: model, normalizer: .replace(.literal(" "), content: "\u{2581}"),
                      preTokenizer: .split(.other(.literal(" ")), behavior: .mergedWithPrevious, invert: false),
                      postProcessor: .template([.sequence]),
                      decoder: .sequence([.replace(.literal("\u{2581}"), content: " "), .byteFallback, .fuse]),
                      addedTokens: added)
        } else if architecture == "phi3" {
            self.init(model: model, normalizer: .sequence([.prepend("\u{2581}"), .replace(.literal(" "), content: "\u{2581}")]),
                      preTokenizer: nil, postProcessor: .template([.sequence]),
                      decoder: .sequence([.replace(.literal("\u{2581}"), content: " "), .byteFallback, .fuse,
                                          .strip(content: " ", start: 1, stop: 0)]),
                      addedTokens: added)
        } else {
            self.init(model: model, normalizer: nil,
                      preTokenizer: .metaspace(replacement: "\u{2581}", scheme: .first, split: false),
                      postProcessor: .template([.sequence]),
                      decoder: .sequence([.replace(.literal("\u{2581}"), content: " "), .byteFallback, .fuse,
                                          .strip(content: " ", start: 1, stop: 0)]),
                      addedTokens: added)
        }
        self = applying(config)
    }

    /// Merges implied by a SentencePiece vocabulary: every split of a token into two tokens,
    /// best score of the merged token first, then longer left, then longer right (transformers'
    /// `generate_merges`; ties keep token order, and inside a token the order of the pair ids).
    static func mergesFromScores(tokens: [String], vocab: Vocabulary, scores: [Double]) -> [BPEModel.MergeRule] {
        // Plain integers only, so sorting half a million candidates moves no strings.
        struct Candidate { let score: Double, leftLength: Int32, rightLength: Int32, order: Int32, rule: BPEModel.MergeRule }
        var candidates: [Candidate] = []
        var seen = Set<TokenKey>()
        for (i, token) in tokens.enumerated() where seen.insert(TokenKey(token)).inserted {
            guard let merged = vocab[token] else { continue }
            let bytes = Array(token.utf8)
            var local: [(Int32, Int32, Int32, Int32)] = []  // left id, right id, left and right scalar counts
            var leftLength: Int32 = 0
            let total = Int32(token.unicodeScalars.count)
            var cut = 0
            while true {
                // Advance to the next scalar boundary.
                cut += 1
                while cut < bytes.count && bytes[cut] & 0xC0 == 0x80 { cut += 1 }
                guard cut < bytes.count else { break }
                leftLength += 1
                guard let il = vocab[String(decoding: bytes[..<cut], as: UTF8.self)],
                      let ir = vocab[String(decoding: bytes[cut...], as: UTF8.self)] else { continue }
                local.append((il, ir, leftLength, total - leftLength))
            }
            local.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            for (il, ir, ll, rl) in local {
                candidates.append(Candidate(score: scores[i], leftLength: ll, rightLength: rl, order: Int32(candidates.count),
                                            rule: .init(left: il, right: ir, merged: merged)))
            }
        }
        candidates.sort {
            if $0.score != $1.score { return $0.score > $1.score }
            if $0.leftLength != $1.leftLength { return $0.leftLength > $1.leftLength }
            if $0.rightLength != $1.rightLength { return $0.rightLength > $1.rightLength }
            return $0.order < $1.order
        }
        return candidates.map(\.rule)
    }

    /// Split regexes transformers uses for `tokenizer.ggml.pre` values of byte-level files.
    static let ggufSplitRegex: [String: String] = {
        let tekken = #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let gpt4o = #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        var table: [String: String] = [:]
        for name in ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                     "jina-v5-nano", "dbrx", "smaug-bpe"] { table[name] = PatternScanner.llama3Source }
        for name in ["qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez"] { table[name] = PatternScanner.qwen2Source }
        table["tekken"] = tekken
        for name in ["gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"] { table[name] = gpt4o }
        return table
    }()
}
