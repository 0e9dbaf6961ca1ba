/// The decoders of HF `tokenizers` used by BPE language models. Each step maps the list of
/// token strings to a new list; the result is their concatenation (HF `decode_chain`).
indirect enum TokenDecoder: Sendable {
    /// Tokens spelled in the byte alphabet back to bytes, then UTF-8 (lossy, like HF).
    case byteLevel
    case replace(TextPattern, content: String)
    /// Runs of `<0xNN>` tokens to the text their bytes spell (U+FFFD per byte when invalid).
    case byteFallback
    /// All tokens into one.
    case fuse
    /// Removes up to `start` leading and `stop` trailing `content` characters from each token.
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    /// `replacement` back to spaces; in the first token it is dropped.
    case metaspace(replacement: Unicode.Scalar, scheme: PrependScheme)
    case sequence([TokenDecoder])

    /// Lossy like HF: bytes that are not UTF-8 become U+FFFD.
    func decode(_ tokens: [String]) -> String {
        // Lossy decoding never throws.
        (try? chain(tokens, strict: false))?.joined() ?? ""
    }

    /// Throws `invalidUTF8` where the lossy decoding would put U+FFFD.
    func decodeStrict(_ tokens: [String]) throws -> String { try chain(tokens, strict: true).joined() }

    func chain(_ tokens: [String], strict: Bool) throws -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for t in tokens { bytes += ByteLevelAlphabet.bytes(of: t) ?? Array(t.utf8) }
            if strict { return [try Self.validated(bytes)] }
            return [String(decoding: bytes, as: UTF8.self)]
        case .replace(let pattern, let content):
            return tokens.map { pattern.replacingMatches(in: $0, with: content) }
        case .byteFallback:
            var out: [String] = []
            var pending: [UInt8] = []
            func flush() throws {
                guard !pending.isEmpty else { return }
                if let s = String(validating: pending, as: UTF8.self) { out.append(s) }
                else if strict { _ = try Self.validated(pending) }
                else { out += Array(repeating: "\u{FFFD}", count: pending.count) }
                pending = []
            }
            for t in tokens {
                if let b = Self.fallbackByte(t) { pending.append(b) } else { try flush(); out.append(t) }
            }
            try flush()
            return out
        case .fuse: return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { t in
                var s = Substring(t).unicodeScalars[...]
                var k = 0
                while k < start, s.first == content { s.removeFirst(); k += 1 }
                k = 0
                while k < stop, s.last == content { s.removeLast(); k += 1 }
                return String(String.UnicodeScalarView(s))
            }
        case .metaspace(let replacement, let scheme):
            return tokens.enumerated().map { i, t in
                var s = String.UnicodeScalarView()
                // As HF does: every replacement in the first token is dropped, not only the first.
                for c in t.unicodeScalars {
                    if c == replacement {
                        if !(i == 0 && scheme != .never) { s.append(" ") }
                    } else { s.append(c) }
                }
                return String(s)
            }
        case .sequence(let steps): return try steps.reduce(tokens) { try $1.chain($0, strict: strict) }
        }
    }

    /// `bytes` as a String, or the offset of the first byte that is not UTF-8.
    static func validated(_ bytes: [UInt8]) throws -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let v): offset += UTF8.width(v)
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error: throw TokenizerError.invalidUTF8(byteOffset: offset)
            }
        }
    }

    /// The byte of a `<0xNN>` token.
    static func fallbackByte(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == UInt8(ascii: "<"), u[1] == UInt8(ascii: "0"), u[2] == UInt8(ascii: "x"),
              u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
    }
}
