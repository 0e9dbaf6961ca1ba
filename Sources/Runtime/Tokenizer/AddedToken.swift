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
/// A byte trie keeps this cheap when thousands of tokens share a first byte (Gemma's
/// `<unused…>` tokens).
struct AddedTokenMatcher: Sendable {
    private struct Node: Sendable {
        var children: [(byte: UInt8, node: Int32)] = []
        /// Index into `tokens` of the token ending here, or -1.
        var token: Int32 = -1
    }

    private var nodes: [Node] = [Node()]
    /// Root children by first byte (-1: none), the test made at every position of the text.
    private var rootChild = [Int32](repeating: -1, count: 256)
    private var tokens: [AddedToken] = []
    let isEmpty: Bool

    init(_ added: [AddedToken]) {
        for t in added where !t.content.isEmpty {
            var node = -1  // the root
            for b in t.content.utf8 {
                let next: Int32? = node < 0 ? (rootChild[Int(b)] >= 0 ? rootChild[Int(b)] : nil)
                                            : nodes[node].children.first(where: { $0.byte == b })?.node
                if let next { node = Int(next); continue }
                nodes.append(Node())
                let created = Int32(nodes.count - 1)
                if node < 0 { rootChild[Int(b)] = created } else { nodes[node].children.append((b, created)) }
                node = Int(created)
            }
            if nodes[node].token < 0 {  // the first of two identical contents wins
                nodes[node].token = Int32(tokens.count)
                tokens.append(t)
            }
        }
        isEmpty = tokens.isEmpty
    }

    enum Part { case text(Range<Int>), token(Int) }

    /// Splits `p` into text ranges and matched token ids, covering it all. With `skipSpecial`,
    /// special tokens are left in the text; like a failed single-word test, their match still
    /// consumes its bytes (HF `encode_special_tokens`).
    func split(_ p: UnsafeBufferPointer<UInt8>, skipSpecial: Bool = false) -> [Part] {
        if isEmpty { return p.isEmpty ? [] : [.text(0..<p.count)] }
        var parts: [Part] = []
        var textStart = 0, i = 0
        while i < p.count {
            guard let (len, index) = longest(p, at: i) else { i += 1; continue }
            let token = tokens[index]
            var start = i, stop = i + len
            i = stop
            if skipSpecial && token.special { continue }
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

    /// The longest token starting at `i`: its length and index in `tokens`.
    @inline(__always)
    private func longest(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int, Int)? {
        var node = rootChild[Int(p[i])]
        if node < 0 { return nil }
        var best: (Int, Int)? = nil
        var k = i + 1
        while true {
            let n = Int(node)
            if nodes[n].token >= 0 { best = (k - i, Int(nodes[n].token)) }
            guard k < p.count, let next = nodes[n].children.first(where: { $0.byte == p[k] }) else { break }
            node = next.node
            k += 1
        }
        return best
    }
}
