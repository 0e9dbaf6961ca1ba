/// Text being pre-tokenized: one UTF-8 buffer and the byte ranges of its pieces, so splitting
/// never copies strings. Steps that rewrite text (Metaspace, a prefix space) rebuild the buffer.
struct PieceList {
    var bytes: [UInt8]
    var ranges: [Range<Int>]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        ranges = bytes.isEmpty ? [] : [0..<bytes.count]
    }

    /// Replaces every piece by the pieces `split` makes of it.
    mutating func split(_ body: (UnsafeBufferPointer<UInt8>, Range<Int>, inout [Range<Int>]) -> Void) {
        var out: [Range<Int>] = []
        out.reserveCapacity(ranges.count)
        bytes.withUnsafeBufferPointer { p in
            for r in ranges { body(p, r, &out) }
        }
        ranges = out.filter { !$0.isEmpty }
    }

    /// Rewrites every piece's bytes (index of the piece, its bytes) -> new bytes.
    mutating func rewrite(_ body: (Int, ArraySlice<UInt8>) -> [UInt8]) {
        var newBytes: [UInt8] = []
        newBytes.reserveCapacity(bytes.count + ranges.count)
        var newRanges: [Range<Int>] = []
        for (k, r) in ranges.enumerated() {
            let start = newBytes.count
            newBytes += body(k, bytes[r])
            newRanges.append(start..<newBytes.count)
        }
        bytes = newBytes
        ranges = newRanges.filter { !$0.isEmpty }
    }
}

/// What Split does with the matches of its pattern (HF `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"
}

/// When Metaspace puts the replacement in front of a piece.
enum PrependScheme: String, Sendable { case always, first, never }

/// The pre-tokenizers of HF `tokenizers` used by BPE language models.
indirect enum PreTokenizer: Sendable {
    /// GPT-2 byte level: optional prefix space, the GPT-2 regex when `useRegex`. The model then
    /// reads each piece as raw bytes through the byte alphabet.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(SplitPattern, behavior: SplitBehavior, invert: Bool)
    /// Numbers apart from the rest, one piece per digit when `individual`.
    case digits(individual: Bool)
    /// Spaces become `replacement`, which is prepended per `scheme` and split on when `split`.
    case metaspace(replacement: String, scheme: PrependScheme, split: Bool)
    /// Splits on whitespace, dropping it.
    case whitespaceSplit
    case sequence([PreTokenizer])

    /// True when the model must read pieces as bytes through the byte alphabet.
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: return true
        case .sequence(let steps): return steps.contains { $0.isByteLevel }
        default: return false
        }
    }

    /// `isFirst`: the text starts at offset 0 of the original input (Metaspace "first").
    func apply(_ pieces: inout PieceList, isFirst: Bool) {
        switch self {
        case .byteLevel(let addPrefixSpace, let useRegex):
            if addPrefixSpace {
                pieces.rewrite { _, b in b.first == UInt8(ascii: " ") ? Array(b) : [UInt8(ascii: " ")] + b }
            }
            if useRegex { pieces.split { p, r, out in PatternScanner.gpt2.scan(p, r, into: &out) } }
        case .split(let pattern, let behavior, let invert):
            pieces.split { p, r, out in pattern.split(p, r, behavior: behavior, invert: invert, into: &out) }
        case .digits(let individual):
            pieces.split { p, r, out in
                var i = r.lowerBound, start = i
                var inNumber = false
                while i < r.upperBound {
                    let (v, n) = decodeScalar(p, i)
                    let isNumber = CharacterClass.of(v).contains(.number)
                    if isNumber && (individual || !inNumber) || !isNumber && inNumber {
                        out.append(start..<i); start = i
                    }
                    inNumber = isNumber
                    i += n
                }
                out.append(start..<r.upperBound)
            }
        case .metaspace(let replacement, let scheme, let split):
            let mark = Array(replacement.utf8)
            pieces.rewrite { k, b in
                var out: [UInt8] = []
                out.reserveCapacity(b.count + 4)
                for byte in b { if byte == UInt8(ascii: " ") { out += mark } else { out.append(byte) } }
                let prepend = scheme == .always || (scheme == .first && isFirst && k == 0)
                if prepend && !out.starts(with: mark) { out = mark + out }
                return out
            }
            if split {
                pieces.split { p, r, out in
                    // MergedWithNext: each replacement starts a new piece.
                    var start = r.lowerBound, i = r.lowerBound
                    while i < r.upperBound {
                        if i > start, i + mark.count <= r.upperBound,
                           (0..<mark.count).allSatisfy({ p[i + $0] == mark[$0] }) {
                            out.append(start..<i); start = i
                            i += mark.count
                        } else { i += 1 }
                    }
                    out.append(start..<r.upperBound)
                }
            }
        case .whitespaceSplit:
            pieces.split { p, r, out in
                var i = r.lowerBound, start = -1
                while i < r.upperBound {
                    let (v, n) = decodeScalar(p, i)
                    if CharacterClass.of(v).contains(.space) {
                        if start >= 0 { out.append(start..<i); start = -1 }
                    } else if start < 0 { start = i }
                    i += n
                }
                if start >= 0 { out.append(start..<r.upperBound) }
            }
        case .sequence(let steps):
            for step in steps { step.apply(&pieces, isFirst: isFirst) }
        }
    }
}

/// The pattern of a Split pre-tokenizer: a known regex with its scanner, any other regex, or a literal.
enum SplitPattern: Sendable {
    case scanner(PatternScanner)
    case other(TextPattern)

    init(_ pattern: TextPattern) {
        if case .regex(let compiled) = pattern, let scanner = PatternScanner(source: compiled.source) {
            self = .scanner(scanner)
        } else {
            self = .other(pattern)
        }
    }

    func split(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, behavior: SplitBehavior, invert: Bool,
               into out: inout [Range<Int>]) {
        var matches: [Range<Int>] = []
        switch self {
        case .scanner(let s): s.scan(p, r, into: &matches)
        case .other(let pattern):
            let text = String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self)
            matches = pattern.matches(in: text).map { ($0.lowerBound + r.lowerBound)..<($0.upperBound + r.lowerBound) }
        }
        // Alternate gaps and matches over the whole range: (range, isMatch).
        var parts: [(Range<Int>, Bool)] = []
        var last = r.lowerBound
        for m in matches {
            if m.lowerBound > last { parts.append((last..<m.lowerBound, invert)) }
            parts.append((m, !invert))
            last = m.upperBound
        }
        if last < r.upperBound { parts.append((last..<r.upperBound, invert)) }
        switch behavior {
        case .isolated: out += parts.map(\.0)
        case .removed: out += parts.filter { !$0.1 }.map(\.0)
        case .mergedWithPrevious:
            var gap: Range<Int>? = nil  // the last gap, not yet written
            for (range, isMatch) in parts {
                if isMatch {
                    if let g = gap { out.append(g.lowerBound..<range.upperBound); gap = nil } else { out.append(range) }
                } else {
                    if let g = gap { out.append(g) }
                    gap = range
                }
            }
            if let g = gap { out.append(g) }
        case .mergedWithNext:
            var start: Int? = nil
            for (range, isMatch) in parts {
                if isMatch {
                    if let s = start { out.append(s..<range.lowerBound) }
                    start = range.lowerBound
                } else if start == nil { out.append(range) }
            }
            if let s = start { out.append(s..<r.upperBound) }
        case .contiguous:
            var current: (Range<Int>, Bool)? = nil
            for part in parts {
                if let c = current, c.1 && part.1 { current = (c.0.lowerBound..<part.0.upperBound, true) }
                else { if let c = current { out.append(c.0) }; current = part }
            }
            if let c = current { out.append(c.0) }
        }
    }
}
