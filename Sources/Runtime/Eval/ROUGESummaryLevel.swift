/// ROUGE-Lsum, rouge-score's summary-level LCS: the texts are split into sentences at "\n";
/// each reference sentence is matched against every prediction sentence and the union of the
/// matched reference positions counts, each token at most as often as both texts have it.
extension ROUGE {
    /// Sentences as token ids.
    static func summaryLevelScore(_ target: [[Int]], _ prediction: [[Int]]) -> Score {
        let m = target.reduce(0) { $0 + $1.count }, n = prediction.reduce(0) { $0 + $1.count }
        guard m > 0 && n > 0 else { return Score(precision: 0, recall: 0) }
        var targetCounts: [Int: Int] = [:], predictionCounts: [Int: Int] = [:]
        for s in target { for t in s { targetCounts[t, default: 0] += 1 } }
        for s in prediction { for t in s { predictionCounts[t, default: 0] += 1 } }
        var hits = 0
        for reference in target {
            var union = Set<Int>()
            for candidate in prediction { union.formUnion(lcsIndices(reference, candidate)) }
            for i in union.sorted() {
                let t = reference[i]
                if let c = predictionCounts[t], c > 0, let r = targetCounts[t], r > 0 {
                    hits += 1
                    predictionCounts[t] = c - 1
                    targetCounts[t] = r - 1
                }
            }
        }
        return Score(precision: Double(hits) / Double(n), recall: Double(hits) / Double(m))
    }

    /// Positions in `a` of one longest common subsequence with `b`, chosen by rouge-score's
    /// backtrack from the end (prefer moving left in `b` only when that keeps a longer LCS).
    static func lcsIndices<T: Equatable>(_ a: [T], _ b: [T]) -> [Int] {
        guard !a.isEmpty && !b.isEmpty else { return [] }
        let cols = b.count + 1
        var table = [Int](repeating: 0, count: (a.count + 1) * cols)  // [a.count + 1, b.count + 1]
        for i in 1...a.count {
            for j in 1...b.count {
                table[i * cols + j] = a[i - 1] == b[j - 1]
                    ? table[(i - 1) * cols + j - 1] + 1 : max(table[(i - 1) * cols + j], table[i * cols + j - 1])
            }
        }
        var indices: [Int] = []
        var i = a.count, j = b.count
        while i > 0 && j > 0 {
            if a[i - 1] == b[j - 1] {
                indices.append(i - 1)
                i -= 1
                j -= 1
            } else if table[i * cols + j - 1] > table[(i - 1) * cols + j] {
                j -= 1
            } else {
                i -= 1
            }
        }
        return indices.reversed()
    }
}
