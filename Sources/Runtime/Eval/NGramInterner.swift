/// Gives every distinct n-gram a small integer id without building a key per n-gram: the id of
/// (t1...tn) is the id of the pair (id of (t1...tn-1), tn), and a unigram is the pair (-1, t).
/// Distinct n-grams of any order get distinct ids, so counting works on `[Int: Int]`.
struct NGramInterner {
    private struct Pair: Hashable {
        var prefix: Int
        var last: Int
    }
    private var ids: [Pair: Int] = [:]

    /// The ids of every n-gram of `symbols`: result[n-1][i] is the id of symbols[i..<(i+n)],
    /// for n in 1...maxOrder (orders longer than the input get an empty array).
    mutating func ngramIds(_ symbols: [Int], maxOrder: Int) -> [[Int]] {
        var result: [[Int]] = []
        result.reserveCapacity(maxOrder)
        var previous: [Int] = []
        for n in 1...maxOrder {
            let count = max(symbols.count - n + 1, 0)
            var current = [Int](repeating: 0, count: count)
            for i in 0..<count {
                let key = Pair(prefix: n == 1 ? -1 : previous[i], last: symbols[i + n - 1])
                if let id = ids[key] {
                    current[i] = id
                } else {
                    current[i] = ids.count
                    ids[key] = ids.count
                }
            }
            result.append(current)
            previous = current
        }
        return result
    }

    /// How often each id occurs.
    static func counts(_ ids: [Int]) -> [Int: Int] {
        var c: [Int: Int] = [:]
        c.reserveCapacity(ids.count)
        for id in ids { c[id, default: 0] += 1 }
        return c
    }
}

/// Gives every distinct token (compared code point for code point) an integer id.
struct TokenVocabulary {
    private var ids: [ArraySlice<Unicode.Scalar>: Int] = [:]

    mutating func id(_ token: ArraySlice<Unicode.Scalar>) -> Int {
        if let id = ids[token] { return id }
        let id = ids.count
        ids[token] = id
        return id
    }
}
