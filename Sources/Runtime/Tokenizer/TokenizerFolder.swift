import Foundation

extension Tokenizer {
    /// The tokenizer of a model given as a folder (see `load(folder:readGGUF:)`) or as a .gguf file.
    /// `readGGUF` reads a GGUF file's metadata (the Checkpoint layer's reader).
    public static func load(model: URL, readGGUF: ((URL) throws -> [String: GGUFValue])? = nil) throws -> Tokenizer {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model.path, isDirectory: &isFolder) else {
            throw TokenizerError.unreadable(file: model.path, reason: "no such file or folder")
        }
        if isFolder.boolValue { return try load(folder: model, readGGUF: readGGUF) }
        guard model.pathExtension.lowercased() == "gguf", let readGGUF else { throw TokenizerError.notFound(folder: model.path) }
        return try Tokenizer(gguf: try readGGUF(model), file: model.path)
    }

    /// The tokenizer beside a model in an HF folder: tokenizer.json, or GPT-2's vocab.json +
    /// merges.txt, with tokenizer_config.json and chat_template.jinja when present; failing
    /// those, the metadata of the folder's first .gguf file when `readGGUF` is given.
    public static func load(folder: URL, readGGUF: ((URL) throws -> [String: GGUFValue])? = nil) throws -> Tokenizer {
        let fm = FileManager.default
        let json = folder.appendingPathComponent("tokenizer.json")
        let vocab = folder.appendingPathComponent("vocab.json"), merges = folder.appendingPathComponent("merges.txt")
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        let config = fm.fileExists(atPath: configURL.path) ? try TokenizerConfig.read(configURL) : nil
        var tokenizer: Tokenizer
        if fm.fileExists(atPath: json.path) {
            tokenizer = try Tokenizer(tokenizerJSON: json)
        } else if fm.fileExists(atPath: vocab.path) && fm.fileExists(atPath: merges.path) {
            tokenizer = try Tokenizer(vocabJSON: vocab, mergesTXT: merges, config: config ?? TokenizerConfig())
        } else if let readGGUF, let gguf = try? fm.contentsOfDirectory(atPath: folder.path)
                    .filter({ $0.lowercased().hasSuffix(".gguf") }).sorted().first {
            let url = folder.appendingPathComponent(gguf)
            tokenizer = try Tokenizer(gguf: try readGGUF(url), file: url.path)
        } else {
            throw TokenizerError.notFound(folder: folder.path)
        }
        if let config { tokenizer = tokenizer.applying(config) }
        let jinja = folder.appendingPathComponent("chat_template.jinja")
        if fm.fileExists(atPath: jinja.path) {
            do { tokenizer.config.chatTemplate = try String(contentsOf: jinja, encoding: .utf8) } catch {
                throw TokenizerError.unreadable(file: jinja.path, reason: error.localizedDescription)
            }
        }
        return tokenizer
    }

    /// This tokenizer with `config`'s special tokens and flags. As transformers does, an explicit
    /// `add_bos_token`/`add_eos_token` (or a missing post-processor) replaces the post-processor
    /// by `[bos] $A [eos]`.
    public func applying(_ config: TokenizerConfig) -> Tokenizer {
        var added = addedTokens
        // Special tokens named by the config that the vocabulary has become special added tokens.
        for name in [config.bosToken, config.eosToken, config.unkToken, config.padToken].compactMap({ $0 }) {
            guard !added.contains(where: { $0.content == name }), let id = model.vocab[name] else { continue }
            added.append(AddedToken(id: Int(id), content: name))
        }
        var post = postProcessor
        if config.addBosToken != nil || config.addEosToken != nil || post == nil {
            var pieces: [PostProcessor.TemplatePiece] = []
            let bos = config.bosToken.flatMap { name in added.first { $0.content == name }?.id ?? model.vocab[name].map(Int.init) }
            let eos = config.eosToken.flatMap { name in added.first { $0.content == name }?.id ?? model.vocab[name].map(Int.init) }
            if config.addBosToken == true, let bos { pieces.append(.tokens([bos])) }
            pieces.append(.sequence)
            if config.addEosToken == true, let eos { pieces.append(.tokens([eos])) }
            post = .template(pieces)
        }
        var result = Tokenizer(model: model, normalizer: normalizer, preTokenizer: preTokenizer, postProcessor: post,
                               decoder: decoder, addedTokens: added, config: config)
        result.config = config
        return result
    }

    /// GPT-2's older layout: vocab.json (token -> id) and merges.txt ("a b" per line after a
    /// `#version` header), read as a byte-level BPE with GPT-2's pre-tokenizer and decoder.
    public init(vocabJSON: URL, mergesTXT: URL, config: TokenizerConfig = TokenizerConfig()) throws {
        let root = try JSONNode.read(vocabJSON)
        var vocab = Vocabulary()
        for (token, node) in try root.members() {
            guard let id = Int32(exactly: try node.int()), id >= 0 else { throw node.fail("a token id") }
            vocab[token] = id
        }
        let text: String
        do { text = try String(contentsOf: mergesTXT, encoding: .utf8) } catch {
            throw TokenizerError.unreadable(file: mergesTXT.path, reason: error.localizedDescription)
        }
        var merges: [(String, String)] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            if l.isEmpty || (n == 0 && l.hasPrefix("#version")) { continue }
            let parts = l.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.malformed(file: mergesTXT.path, path: "line \(n + 1)", expected: "two tokens separated by one space")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        let model = try BPEModel(vocab: vocab, merges: merges, unkToken: nil, fuseUnk: false, byteFallback: false,
                                 ignoreMerges: false, badMerge: { k, token in
            throw TokenizerError.malformed(file: mergesTXT.path, path: "merge \(k + 1)",
                                           expected: "tokens in vocab.json (\"\(token)\" is not)")
        })
        self.init(model: model, normalizer: nil, preTokenizer: .byteLevel(addPrefixSpace: false, useRegex: true),
                  postProcessor: .template([.sequence]), decoder: .byteLevel, addedTokens: [])
        self = applying(config)
    }
}
