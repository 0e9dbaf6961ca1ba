/// Hand-written matchers for the pre-tokenizer regexes real models ship, so the hot path never
/// runs a general regex engine. Each one reproduces its regex's alternation order and
/// backtracking exactly; all of them match every character, so their matches tile the text.
enum PatternScanner: Sendable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// The Llama 3 pattern with `\p{N}` instead of `\p{N}{1,3}` (Qwen2).
    case qwen2

    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The scanner for a regex source, when it is one of the known ones.
    init?(source: String) {
        switch source {
        case Self.gpt2Source: self = .gpt2
        case Self.llama3Source: self = .llama3
        case Self.qwen2Source: self = .qwen2
        default: return nil
        }
    }

    /// Appends the matches in `p[range]` to `out`, in order.
    func scan(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Range<Int>]) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let j: Int
            switch self {
            case .gpt2: j = Self.gpt2Match(p, i, end)
            case .llama3: j = Self.llama3Match(p, i, end, maxDigits: 3)
            case .qwen2: j = Self.llama3Match(p, i, end, maxDigits: 1)
            }
            out.append(i..<j)
            i = j
        }
    }

    // MARK: - shared pieces

    @inline(__always)
    private static func classAt(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (CharacterClass, Int) {
        let (v, n) = decodeScalar(p, i)
        return (CharacterClass.of(v), n)
    }

    /// End of the run of scalars from `i` whose class intersects `wanted`.
    @inline(__always)
    private static func run(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, _ wanted: CharacterClass) -> Int {
        var j = i
        while j < end {
            let (c, n) = classAt(p, j)
            if c.isDisjoint(with: wanted) { break }
            j += n
        }
        return j
    }

    /// End of the run of "other" scalars (not whitespace, letter or number): `[^\s\p{L}\p{N}]+`.
    @inline(__always)
    private static func otherRun(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var j = i
        while j < end {
            let (c, n) = classAt(p, j)
            if !c.isDisjoint(with: [.space, .letter, .number]) { break }
            j += n
        }
        return j
    }

    private static func isOther(_ c: CharacterClass) -> Bool { c.isDisjoint(with: [.space, .letter, .number]) }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `i` (which holds an apostrophe); returns the end or nil.
    private static func contraction(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, ignoreCase: Bool) -> Int? {
        func letter(_ k: Int) -> UInt8? {
            guard k < end else { return nil }
            let b = p[k]
            if ignoreCase, b >= 0x41, b <= 0x5A { return b | 0x20 }
            return b
        }
        guard let a = letter(i + 1) else { return nil }
        switch a {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): return i + 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"): return letter(i + 2) == UInt8(ascii: "e") ? i + 3 : nil
        case UInt8(ascii: "l"): return letter(i + 2) == UInt8(ascii: "l") ? i + 3 : nil
        default: return nil
        }
    }

    /// `\s+(?!\S)|\s+` at `i`, which holds whitespace.
    private static func trailingWhitespace(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let j = run(p, i, end, .space)
        if j == end { return j }
        // Followed by non-space: give the last whitespace character back to the next match.
        let last = previousScalarStart(p, j)
        return last > i ? last : j
    }

    // MARK: - patterns

    private static func gpt2Match(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        if p[i] == UInt8(ascii: "'"), let j = contraction(p, i, end, ignoreCase: false) { return j }
        let (c, n) = classAt(p, i)
        var start = i, cls = c
        if p[i] == UInt8(ascii: " ") && i + 1 < end {
            let (c1, _) = classAt(p, i + 1)
            if !c1.contains(.space) { start = i + 1; cls = c1 }
        }
        if cls.contains(.letter) { return run(p, start, end, .letter) }
        if cls.contains(.number) { return run(p, start, end, .number) }
        if isOther(cls) { return otherRun(p, start, end) }
        _ = n
        return trailingWhitespace(p, i, end)
    }

    private static func llama3Match(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, maxDigits: Int) -> Int {
        if p[i] == UInt8(ascii: "'"), let j = contraction(p, i, end, ignoreCase: true) { return j }
        let (c, n) = classAt(p, i)
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if c.contains(.letter) { return run(p, i, end, .letter) }
        let next: CharacterClass? = i + n < end ? classAt(p, i + n).0 : nil
        if c.isDisjoint(with: [.newline, .number]), let next, next.contains(.letter) {
            return run(p, i + n, end, .letter)
        }
        // \p{N}{1,maxDigits}
        if c.contains(.number) {
            var j = i, count = 0
            while j < end && count < maxDigits {
                let (cj, nj) = classAt(p, j)
                guard cj.contains(.number) else { break }
                j += nj; count += 1
            }
            return j
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var start: Int? = nil
        if isOther(c) { start = i } else if p[i] == UInt8(ascii: " "), let next, isOther(next) { start = i + 1 }
        if let start { return run(p, otherRun(p, start, end), end, .newline) }
        // \s*[\r\n]+ : the whitespace run up to its last line break.
        let j = run(p, i, end, .space)
        var k = j, lastBreak = -1
        while k > i {
            let s = previousScalarStart(p, k)
            if p[s] == 0x0A || p[s] == 0x0D { lastBreak = k; break }
            k = s
        }
        if lastBreak > 0 { return lastBreak }
        return trailingWhitespace(p, i, end)
    }
}
