/// The BPE model of HF `tokenizers`: a vocabulary, merges ranked by priority over integer id
/// pairs, and the options byte-level (GPT-2) and SentencePiece-style (Llama 2) vocabularies use.
struct BPEModel: Sendable {
    /// Token string -> id, spelled as the file spells it (byte alphabet for byte-level models).
    let vocab: Vocabulary
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    let merges: PairTable
    let unkId: Int32?
    let fuseUnk: Bool
    let byteFallback: Bool
    /// Whole pieces found in the vocabulary are taken as they are, before any merge (Llama 3).
    let ignoreMerges: Bool
    /// For byte-level pieces: id of the alphabet character of each byte (-1: absent).
    let byteIds: [Int32]
    /// For byte fallback: id of `<0xNN>` for each byte (-1: absent).
    let fallbackIds: [Int32]
    /// Ids of single-scalar tokens, for character-level pieces.
    let scalarIds: ScalarTable
    /// Raw bytes of every token -> id, for `ignoreMerges` on byte-level pieces.
    let bytesIds: [[UInt8]: Int32]
    let cache = WordCache()

    /// One merge: the ids of the left and right tokens and of the token they make.
    struct MergeRule { let left: Int32, right: Int32, merged: Int32 }

    /// `merges` are pairs of token strings in priority order; a pair naming an unknown token is
    /// reported by its index through `badMerge`.
    init(vocab: Vocabulary, merges: [(String, String)], unkToken: String?, fuseUnk: Bool,
         byteFallback: Bool, ignoreMerges: Bool, badMerge: (Int, String) throws -> Never) rethrows {
        var rules: [MergeRule] = []
        rules.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = vocab[a] else { try badMerge(rank, a) }
            guard let ib = vocab[b] else { try badMerge(rank, b) }
            guard let merged = vocab[a + b] else { try badMerge(rank, a + b) }
            rules.append(MergeRule(left: ia, right: ib, merged: merged))
        }
        self.init(vocab: vocab, rules: rules, unkToken: unkToken, fuseUnk: fuseUnk, byteFallback: byteFallback,
                  ignoreMerges: ignoreMerges)
    }

    /// `rules` in priority order (the first has rank 0); a repeated pair keeps its first rank.
    init(vocab: Vocabulary, rules: [MergeRule], unkToken: String?, fuseUnk: Bool, byteFallback: Bool, ignoreMerges: Bool) {
        self.vocab = vocab
        var table = PairTable(capacity: rules.count)
        for (rank, rule) in rules.enumerated() {
            let key = UInt64(UInt32(rule.left)) << 32 | UInt64(UInt32(rule.right))
            table.insertIfAbsent(key, UInt64(rank) << 32 | UInt64(UInt32(rule.merged)))
        }
        self.merges = table
        unkId = unkToken.flatMap { vocab[$0] }
        self.fuseUnk = fuseUnk
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        byteIds = ByteLevelAlphabet.character.map { vocab[String($0)] ?? -1 }
        fallbackIds = (0..<256).map { b in
            vocab["<0x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2) + ">"] ?? -1
        }
        var scalars: [UInt32: Int32] = [:]
        var whole: [[UInt8]: Int32] = [:]
        for (key, id) in vocab.ids {
            let token = key.text
            let u = token.unicodeScalars
            if u.count == 1 { scalars[u.first!.value] = id }
            if ignoreMerges, let raw = ByteLevelAlphabet.bytes(of: token) { whole[raw] = id }
        }
        scalarIds = ScalarTable(scalars)
        bytesIds = whole
    }

    /// Appends the ids of one piece. `byteLevel`: the piece is raw bytes read through the byte
    /// alphabet; otherwise it is UTF-8 text split into scalars.
    func tokenize(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, byteLevel: Bool, into out: inout [Int]) {
        let key = WordCache.Key(p, r)
        if let key, let hit = cache.lookup(key) {
            for id in hit { out.append(Int(id)) }
            return
        }
        let ids = merge(initialSymbols(p, r, byteLevel: byteLevel))
        if let key { cache.store(key, ids) }
        for id in ids { out.append(Int(id)) }
    }

    private func initialSymbols(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, byteLevel: Bool) -> [Int32] {
        if ignoreMerges {
            if byteLevel {
                if let id = bytesIds[Array(p[r])] { return [id] }
            } else if let id = vocab[String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self)] {
                return [id]
            }
        }
        var symbols: [Int32] = []
        symbols.reserveCapacity(r.count)
        if byteLevel {
            for i in r {
                let id = byteIds[Int(p[i])]
                if id >= 0 { symbols.append(id) } else if let unk = unkId { appendUnknown(unk, to: &symbols) }
            }
            return symbols
        }
        var i = r.lowerBound
        var lastWasUnknown = false
        while i < r.upperBound {
            let (v, n) = decodeScalar(p, i)
            defer { i += n }
            let id = scalarIds[v]
            if id >= 0 { symbols.append(id); lastWasUnknown = false; continue }
            if byteFallback && (i..<(i + n)).allSatisfy({ fallbackIds[Int(p[$0])] >= 0 }) {
                for k in i..<(i + n) { symbols.append(fallbackIds[Int(p[k])]) }
                lastWasUnknown = false
                continue
            }
            guard let unk = unkId else { continue }
            if !(fuseUnk && lastWasUnknown) { symbols.append(unk) }
            lastWasUnknown = true
        }
        return symbols
    }

    private func appendUnknown(_ unk: Int32, to symbols: inout [Int32]) {
        if fuseUnk, symbols.last == unk { return }
        symbols.append(unk)
    }

    @inline(__always)
    private func rule(_ a: Int32, _ b: Int32) -> UInt64? {
        merges[UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))]
    }

    /// Applies merges lowest rank first, leftmost first among equal ranks (what HF does with its
    /// priority queue). Short words use a rank array; long ones a heap over a linked list.
    func merge(_ symbols: [Int32]) -> [Int32] {
        symbols.count > 48 ? mergeLong(symbols) : mergeShort(symbols)
    }

    /// O(n²) over a rank array: fastest for the short pieces byte-level pre-tokenizers make.
    func mergeShort(_ symbols: [Int32]) -> [Int32] {
        if symbols.count < 2 { return symbols }
        var s = symbols
        var ranks = [UInt64](repeating: .max, count: s.count - 1)
        for i in 0..<(s.count - 1) { ranks[i] = rule(s[i], s[i + 1]) ?? .max }
        while true {
            var best = UInt64.max, at = -1
            for i in 0..<ranks.count where ranks[i] < best { best = ranks[i]; at = i }
            if at < 0 { break }
            s[at] = Int32(truncatingIfNeeded: best & 0xFFFF_FFFF)
            s.remove(at: at + 1)
            ranks.remove(at: at)
            if at < ranks.count { ranks[at] = rule(s[at], s[at + 1]) ?? .max }
            if at > 0 { ranks[at - 1] = rule(s[at - 1], s[at]) ?? .max }
        }
        return s
    }

    /// O(n log n) with a heap of candidate pairs over a linked list, for long pieces
    /// (SentencePiece-style models without a pre-tokenizer see whole sentences).
    func mergeLong(_ symbols: [Int32]) -> [Int32] {
        if symbols.count < 2 { return symbols }
        var ids = symbols
        let n = ids.count
        var next = Array(1...n)       // n means none
        var prev = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            if let r = rule(ids[i], ids[i + 1]) { heap.push((r & 0xFFFF_FFFF_0000_0000) | UInt64(i)) }
        }
        while let top = heap.pop() {
            let rank = top >> 32, i = Int(top & 0xFFFF_FFFF)
            guard alive[i], next[i] < n, let r = rule(ids[i], ids[next[i]]), r >> 32 == rank else { continue }
            let j = next[i]
            ids[i] = Int32(truncatingIfNeeded: r & 0xFFFF_FFFF)
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { prev[next[j]] = i }
            if prev[i] >= 0, let rl = rule(ids[prev[i]], ids[i]) { heap.push((rl & 0xFFFF_FFFF_0000_0000) | UInt64(prev[i])) }
            if next[i] < n, let rr = rule(ids[i], ids[next[i]]) { heap.push((rr & 0xFFFF_FFFF_0000_0000) | UInt64(i)) }
        }
        var out: [Int32] = []
        var i = 0
        while i < n { out.append(ids[i]); i = next[i] }
        return out
    }
}

/// A binary min-heap of packed (rank << 32 | position) keys.
struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ x: UInt64) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= items[i] { break }
            items.swapAt(parent, i); i = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l] < items[m] { m = l }
                if r < items.count && items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Ids of single-scalar tokens: a flat array for the Basic Multilingual Plane (one load per
/// character of SentencePiece-style text), a dictionary above it. -1 means absent.
struct ScalarTable: Sendable {
    private let bmp: [Int32]
    private let astral: [UInt32: Int32]

    init(_ ids: [UInt32: Int32]) {
        var flat = [Int32](repeating: -1, count: 0x10000)
        var rest: [UInt32: Int32] = [:]
        for (scalar, id) in ids {
            if scalar < 0x10000 { flat[Int(scalar)] = id } else { rest[scalar] = id }
        }
        bmp = flat
        astral = rest
    }

    @inline(__always)
    subscript(scalar: UInt32) -> Int32 { scalar < 0x10000 ? bmp[Int(scalar)] : astral[scalar] ?? -1 }
}
