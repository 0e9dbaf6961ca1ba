/// Numbers that describe a tokenized data set, for `data stats` and for choosing max_len.
public struct DataStats: Sendable, Equatable {
    public var examples: Int
    public var dropped: Int
    public var totalTokens: Int
    public var supervisedTokens: Int
    public var meanLength: Double
    /// Token lengths at the 0th, 50th, 90th, 95th, 99th and 100th percentiles (nearest rank: the
    /// smallest length with at least p% of the examples at or below it).
    public var lengthPercentiles: [(percent: Int, length: Int)]
    /// Supervised tokens per example at the same percentiles.
    public var supervisedPercentiles: [(percent: Int, count: Int)]

    public static let percents = [0, 50, 90, 95, 99, 100]

    public init(_ data: TokenizedDataset) {
        let lengths = data.examples.map(\.length).sorted()
        let supervised = data.examples.map(\.supervisedCount).sorted()
        examples = lengths.count
        dropped = data.summary.dropped.count
        totalTokens = lengths.reduce(0, +)
        supervisedTokens = supervised.reduce(0, +)
        meanLength = lengths.isEmpty ? 0 : Double(totalTokens) / Double(lengths.count)
        lengthPercentiles = Self.percents.map { ($0, Self.nearestRank(lengths, $0)) }
        supervisedPercentiles = Self.percents.map { ($0, Self.nearestRank(supervised, $0)) }
    }

    /// Nearest-rank percentile of sorted values (0 for no values).
    static func nearestRank(_ sorted: [Int], _ percent: Int) -> Int {
        guard !sorted.isEmpty else { return 0 }
        let rank = max(1, Int((Double(percent) / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }

    public static func == (a: DataStats, b: DataStats) -> Bool {
        a.examples == b.examples && a.dropped == b.dropped && a.totalTokens == b.totalTokens
            && a.supervisedTokens == b.supervisedTokens && a.meanLength == b.meanLength
            && a.lengthPercentiles.map(\.length) == b.lengthPercentiles.map(\.length)
            && a.supervisedPercentiles.map(\.count) == b.supervisedPercentiles.map(\.count)
    }
}

extension TokenizedDataset {
    public var stats: DataStats { DataStats(self) }

    /// The examples whose token length is within `range`, and how many were removed.
    public func filtered(length range: ClosedRange<Int>) -> (kept: TokenizedDataset, removed: Int) {
        let kept = examples.filter { range.contains($0.length) }
        var summary = self.summary
        summary.kept = kept.count
        return (TokenizedDataset(examples: kept, summary: summary), examples.count - kept.count)
    }
}
