/// The data pipeline's random numbers: SplitMix64 (Steele, Lea and Flood 2014), chosen because it
/// is a few lines of 64-bit integer arithmetic that give the same numbers on every machine and in
/// every language (docs/data.md gives the algorithm; the fixture script checks it in Python).
///
/// - next: state += 0x9E3779B97F4A7C15; z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
///   z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31   (all mod 2^64)
/// - a stream: state starts at seed + stream * 0xD1B54A32D192ED03 (stream = epoch for epoch orders)
/// - uniform in [0, n): draw x, redraw while x >= 2^64 - (2^64 mod n), return x mod n
/// - shuffle (Fisher-Yates): for i from n-1 down to 1, swap item i with item uniform(i + 1)
public struct ShuffleGenerator: Sendable, Equatable {
    public private(set) var state: UInt64

    public init(seed: UInt64, stream: UInt64 = 0) {
        state = seed &+ stream &* 0xD1B5_4A32_D192_ED03
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<n without modulo bias.
    public mutating func uniform(_ n: Int) -> Int {
        precondition(n > 0, "uniform(\(n)): the bound must be positive")
        let bound = UInt64(n)
        let limit = 0 &- (0 &- bound) % bound  // 2^64 - (2^64 mod n), as 0 when n divides 2^64
        while true {
            let x = next()
            if limit == 0 || x < limit { return Int(x % bound) }
        }
    }

    /// The permutation of 0..<count this generator's Fisher-Yates shuffle gives.
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            order.swapAt(i, uniform(i + 1))
            i -= 1
        }
        return order
    }
}

/// How many rows go to the test split.
public enum TestSplitSize: Sendable, Equatable {
    /// A fraction of the rows, rounded up (as HF `train_test_split` does), in (0, 1).
    case fraction(Double)
    /// An exact number of rows.
    case count(Int)
}

extension DataTable {
    /// The rows in the order of a seeded shuffle (see `ShuffleGenerator`).
    public func shuffled(seed: UInt64) -> DataTable {
        var g = ShuffleGenerator(seed: seed)
        return DataTable(source: source, rows: g.permutation(rows.count).map { rows[$0] })
    }

    /// The first `n` rows (all of them when there are fewer).
    public func taking(_ n: Int) -> DataTable {
        DataTable(source: source, rows: Array(rows.prefix(max(0, n))))
    }

    /// The rows at `indices` (0-based), in the order given. Throws for an index out of range.
    public func selecting(_ indices: [Int]) throws -> DataTable {
        try DataTable(source: source, rows: indices.map { i in
            guard rows.indices.contains(i) else {
                throw DataError(file: source, "row index \(i) is out of range: the data set has \(rows.count) rows (0..<\(rows.count))")
            }
            return rows[i]
        })
    }

    /// A seeded train/test split: the rows of a seeded permutation's first `test` places form the
    /// test split; both splits keep file order. Throws unless both splits get at least one row.
    public func split(test size: TestSplitSize, seed: UInt64) throws -> (train: DataTable, test: DataTable) {
        let n = rows.count
        let testCount: Int
        switch size {
        case let .fraction(f):
            guard f > 0, f < 1 else { throw DataError(file: source, key: "test", "test fraction \(f) must be between 0 and 1") }
            testCount = Int((f * Double(n)).rounded(.up))
        case let .count(c):
            testCount = c
        }
        guard testCount >= 1, testCount < n else {
            throw DataError(file: source, key: "test",
                            "a test split of \(testCount) rows out of \(n) leaves a split empty: need 1...\(max(1, n - 1))")
        }
        var g = ShuffleGenerator(seed: seed)
        let chosen = Set(g.permutation(n).prefix(testCount))
        var train: [DataRow] = [], test: [DataRow] = []
        for (i, row) in rows.enumerated() {
            if chosen.contains(i) { test.append(row) } else { train.append(row) }
        }
        return (DataTable(source: source, rows: train), DataTable(source: source, rows: test))
    }
}
