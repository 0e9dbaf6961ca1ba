/// The closest valid word to a misspelled one, by edit distance, or nil when nothing is close
/// enough to be a plausible typo (none for 1-2 letters, 1 for 3 letters, else up to a third of
/// the length but at least 2; a candidate the word is a prefix of also counts).
func closestWord(to word: String, in candidates: [String]) -> String? {
    let lowered = word.lowercased()
    var best: (word: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(lowered, candidate.lowercased())
        if best == nil || distance < best!.distance { best = (candidate, distance) }
    }
    guard let best else { return nil }
    let limit = lowered.count <= 2 ? 0 : lowered.count == 3 ? 1 : max(2, lowered.count / 3)
    if best.distance <= limit { return best.word }
    if lowered.count >= 2, let prefixed = candidates.first(where: { $0.lowercased().hasPrefix(lowered) }) {
        return prefixed
    }
    return nil
}

/// Edit distance over characters where insert, delete, substitute and swapping two adjacent
/// characters each cost 1 (optimal string alignment), since swapped letters are the common typo.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // d[i][j]: distance between the first i characters of a and the first j of b.
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j - 1] + cost, d[i - 1][j] + 1, d[i][j - 1] + 1)
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
