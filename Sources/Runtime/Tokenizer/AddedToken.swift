/// A token matched whole in the input before any model runs (`added_tokens` of tokenizer.json):
/// specials like `<|im_end|>` and user additions like `<think>`.
public struct AddedToken: Sendable, Equatable {
    /// Its id in the vocabulary.
    public var id: Int
    /// The exact text it matches.
    public var content: String
    /// Matches only when not inside a word (`\w` on neither side).
    public var singleWord: Bool
    /// Swallows the whitespace on its left / right.
    public var lstrip: Bool
    public var rstrip: Bool
    /// Matched against the normalized text rather than the raw input.
    public var normalized: Bool
    /// Left out by `decode(skipSpecialTokens: true)`.
    public var special: Bool

    public init(id: Int, content: String, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
                normalized: Bool = false, special: Bool = true) {
        self.id = id; self.content = content; self.singleWord = singleWord
        self.lstrip = lstrip; self.rstrip = rstrip; self.normalized = normalized; self.special = special
    }
}

/// Finds added tokens in text the way HF does: leftmost-longest, non-overlapping, a
/// single-word match that fails its boundary test is skipped (and not retried inside).
struct AddedTokenMatcher: Sendable {
    /// Candidates by first byte, longest first: (content bytes, token).
    private let byFirstByte: [[([UInt8], AddedToken)]]
    let isEmpty: Bool

    init(_ tokens: [AddedToken]) {
        var table = [[([UInt8], AddedToken)]](repeating: [], count: 256)
        for t in tokens where !t.content.isEmpty {
            let b = Array(t.content.utf8)
            table[Int(b[0])].append((b, t))
        }
        byFirstByte = table.map { $0.sorted { $0.0.count > $1.0.count } }
        isEmpty = tokens.allSatisfy { $0.content.isEmpty }
    }

    enum Part { case text(Range<Int>), token(Int) }

    /// Splits `p` into text ranges and matched token ids, covering it all.
    func split(_ p: UnsafeBufferPointer<UInt8>) -> [Part] {
        if isEmpty { return p.isEmpty ? [] : [.text(0..<p.count)] }
        var parts: [Part] = []
        var textStart = 0, i = 0
        while i < p.count {
            guard let (len, token) = longest(p, at: i) else { i += 1; continue }
            var start = i, stop = i + len
            i = stop
            if token.singleWord {
                let before = start > 0 && CharacterClass.isWord(decodeScalar(p, previousScalarStart(p, start)).value)
                let after = stop < p.count && CharacterClass.isWord(decodeScalar(p, stop).value)
                if before || after { continue }
            }
            if token.lstrip {
                while start > textStart {
                    let s = previousScalarStart(p, start)
                    guard CharacterClass.of(decodeScalar(p, s).value).contains(.space) else { break }
                    start = s
                }
            }
            if token.rstrip {
                while stop < p.count {
                    let (v, n) = decodeScalar(p, stop)
                    guard CharacterClass.of(v).contains(.space) else { break }
                    stop += n
                }
                i = stop
            }
            if textStart < start { parts.append(.text(textStart..<start)) }
            parts.append(.token(token.id))
            textStart = stop
        }
        if textStart < p.count { parts.append(.text(textStart..<p.count)) }
        return parts
    }

    @inline(__always)
    private func longest(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int, AddedToken)? {
        let candidates = byFirstByte[Int(p[i])]
        if candidates.isEmpty { return nil }
        for (bytes, token) in candidates where i + bytes.count <= p.count {
            var k = 1
            while k < bytes.count && p[i + k] == bytes[k] { k += 1 }
            if k == bytes.count { return (bytes.count, token) }
        }
        return nil
    }
}
