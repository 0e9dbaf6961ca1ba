import Foundation

/// Reading HF `tokenizers`' tokenizer.json. Every unknown component type is an error that names
/// the JSON path (`pre_tokenizer.pretokenizers[1].type`), never a silent fallback.
extension Tokenizer {
    /// Loads tokenizer.json (and nothing else; see `load(folder:)` for the config beside it).
    public init(tokenizerJSON url: URL) throws {
        try self.init(tokenizerJSON: try Data(contentsOf: url), file: url.path)
    }

    /// Parses tokenizer.json content; `file` names it in errors.
    public init(tokenizerJSON data: Data, file: String = "tokenizer.json") throws {
        let root = try JSONNode.parse(data, file: file)
        let model = try Self.readModel(try root.required("model"))
        let normalizer = try root.optional("normalizer").map(Self.readNormalizer)
        let preTokenizer = try root.optional("pre_tokenizer").map(Self.readPreTokenizer)
        let decoder = try root.optional("decoder").map(Self.readDecoder)
        var added: [AddedToken] = []
        for node in try root.optional("added_tokens")?.array() ?? [] {
            added.append(AddedToken(
                id: try node.required("id").int(), content: try node.required("content").string(),
                singleWord: try node.bool("single_word", default: false), lstrip: try node.bool("lstrip", default: false),
                rstrip: try node.bool("rstrip", default: false), normalized: try node.bool("normalized", default: true),
                special: try node.bool("special", default: false)))
        }
        let postProcessor = try root.optional("post_processor").map(Self.readPostProcessor)
        self.init(model: model, normalizer: normalizer, preTokenizer: preTokenizer, postProcessor: postProcessor,
                  decoder: decoder, addedTokens: added)
    }

    static func readModel(_ node: JSONNode) throws -> BPEModel {
        let type = try node.string("type") ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupported(file: node.file, path: node.path + ".type", type: type) }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = try node.string(key), !s.isEmpty {
                throw TokenizerError.unsupported(file: node.file, path: "\(node.path).\(key)", type: s)
            }
        }
        var vocab = Vocabulary()
        let vocabNode = try node.required("vocab")
        guard case .object(let raw) = vocabNode.value else { throw vocabNode.fail("an object of token: id") }
        vocab.reserveCapacity(raw.count)
        for member in raw {
            let token = member.key
            guard case .number(let n) = member.value, let i = Int32(exactly: n), i >= 0 else {
                throw TokenizerError.malformed(file: node.file, path: "\(vocabNode.path).\(token)", expected: "a token id")
            }
            vocab[token] = i
        }
        let mergesNode = try node.optional("merges")
        let items = try mergesNode.map { n -> [JSONValue] in
            guard case .array(let a) = n.value else { throw n.fail("an array of merges") }
            return a
        } ?? []
        var merges: [(String, String)] = []
        merges.reserveCapacity(items.count)
        for (k, item) in items.enumerated() {
            // "a b" (older files) or ["a", "b"].
            if case .string(let s) = item, let space = s.utf8.firstIndex(of: UInt8(ascii: " ")) {
                merges.append((String(s[..<space]), String(s[s.utf8.index(after: space)...])))
            } else if case .array(let pair) = item, pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1] {
                merges.append((a, b))
            } else {
                throw TokenizerError.malformed(file: node.file, path: "\(node.path).merges[\(k)]",
                                               expected: "a merge \"a b\" or [\"a\", \"b\"]")
            }
        }
        return try BPEModel(
            vocab: vocab, merges: merges, unkToken: try node.string("unk_token"),
            fuseUnk: try node.bool("fuse_unk", default: false), byteFallback: try node.bool("byte_fallback", default: false),
            ignoreMerges: try node.bool("ignore_merges", default: false),
            badMerge: { k, token in
                throw TokenizerError.malformed(file: node.file, path: "\(node.path).merges[\(k)]",
                                               expected: "tokens in the vocabulary (\"\(token)\" is not)")
            })
    }

    private static func type(_ node: JSONNode) throws -> String { try node.required("type").string() }

    private static func unsupported(_ node: JSONNode, _ type: String) -> TokenizerError {
        .unsupported(file: node.file, path: node.path + ".type", type: type)
    }

    static func readPattern(_ node: JSONNode) throws -> TextPattern {
        if let s = try node.string("String") { return .literal(s) }
        if let r = try node.string("Regex") {
            guard let pattern = TextPattern.regex(r) else {
                throw TokenizerError.malformed(file: node.file, path: node.path + ".Regex", expected: "a regular expression (this one does not compile)")
            }
            return pattern
        }
        throw node.fail("{\"String\": ...} or {\"Regex\": ...}")
    }

    static func readNormalizer(_ node: JSONNode) throws -> Normalizer {
        switch try type(node) {
        case "Prepend": return .prepend(try node.required("prepend").string())
        case "Replace": return .replace(try readPattern(try node.required("pattern")), content: try node.required("content").string())
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Strip": return .strip(left: try node.bool("strip_left", default: true), right: try node.bool("strip_right", default: true))
        case "Sequence": return .sequence(try node.required("normalizers").array().map(readNormalizer))
        case let other: throw unsupported(node, other)
        }
    }

    static func readPreTokenizer(_ node: JSONNode) throws -> PreTokenizer {
        switch try type(node) {
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try node.bool("add_prefix_space", default: true),
                              useRegex: try node.bool("use_regex", default: true))
        case "Split":
            let behaviorName = try node.required("behavior").string()
            guard let behavior = SplitBehavior(rawValue: behaviorName) else {
                throw TokenizerError.unsupported(file: node.file, path: node.path + ".behavior", type: behaviorName)
            }
            return .split(SplitPattern(try readPattern(try node.required("pattern"))), behavior: behavior,
                          invert: try node.bool("invert", default: false))
        case "Digits": return .digits(individual: try node.bool("individual_digits", default: false))
        case "Metaspace":
            return .metaspace(replacement: try node.string("replacement") ?? "\u{2581}", scheme: try readScheme(node),
                              split: try node.bool("split", default: true))
        case "WhitespaceSplit": return .whitespaceSplit
        case "Sequence": return .sequence(try node.required("pretokenizers").array().map(readPreTokenizer))
        case let other: throw unsupported(node, other)
        }
    }

    /// `prepend_scheme`, or the older `add_prefix_space` flag.
    private static func readScheme(_ node: JSONNode) throws -> PrependScheme {
        if let name = try node.string("prepend_scheme") {
            guard let scheme = PrependScheme(rawValue: name) else { throw TokenizerError.unsupported(file: node.file, path: node.path + ".prepend_scheme", type: name) }
            return scheme
        }
        return try node.bool("add_prefix_space", default: true) ? .always : .never
    }

    static func readDecoder(_ node: JSONNode) throws -> TokenDecoder {
        switch try type(node) {
        case "ByteLevel": return .byteLevel
        case "Replace": return .replace(try readPattern(try node.required("pattern")), content: try node.required("content").string())
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            let content = try node.required("content")
            guard let c = try content.string().unicodeScalars.first else { throw content.fail("one character") }
            return .strip(content: c, start: try node.int("start") ?? 0, stop: try node.int("stop") ?? 0)
        case "Metaspace":
            let replacement = try node.string("replacement") ?? "\u{2581}"
            guard let c = replacement.unicodeScalars.first else { throw node.fail("a replacement character") }
            return .metaspace(replacement: c, scheme: try readScheme(node))
        case "Sequence": return .sequence(try node.required("decoders").array().map(readDecoder))
        case let other: throw unsupported(node, other)
        }
    }

    static func readPostProcessor(_ node: JSONNode) throws -> PostProcessor {
        switch try type(node) {
        case "TemplateProcessing":
            var specials: [String: [Int]] = [:]
            for (name, value) in try node.optional("special_tokens")?.members() ?? [] {
                specials[name] = try value.required("ids").array().map { try $0.int() }
            }
            var pieces: [PostProcessor.TemplatePiece] = []
            for item in try node.required("single").array() {
                if let special = try item.optional("SpecialToken") {
                    let name = try special.required("id").string()
                    guard let ids = specials[name] else {
                        throw TokenizerError.malformed(file: node.file, path: node.path + ".special_tokens",
                                                       expected: "an entry for \"\(name)\"")
                    }
                    pieces.append(.tokens(ids))
                } else if try item.optional("Sequence") != nil {
                    pieces.append(.sequence)
                } else {
                    throw item.fail("{\"SpecialToken\": ...} or {\"Sequence\": ...}")
                }
            }
            return .template(pieces)
        case "RobertaProcessing", "BertProcessing":
            func id(_ key: String) throws -> Int {
                let pair = try node.required(key).array()
                guard pair.count == 2 else { throw try node.required(key).fail("[token, id]") }
                return try pair[1].int()
            }
            return .wrap(prefix: try id("cls"), suffix: try id("sep"))
        case "ByteLevel": return PostProcessor.none
        case "Sequence": return .sequence(try node.required("processors").array().map(readPostProcessor))
        case let other: throw unsupported(node, other)
        }
    }
}
