/// Best-fit-decreasing packing of sequence lengths into rows of a fixed capacity, the way TRL's
/// `pack_dataset(strategy="bfd")` does it, so the same data packs into the same rows:
/// lengths are taken longest first (ties in input order); each goes into the open row with the
/// least space that still fits it (ties: the row that reached that space first), else a new row.
/// Rows come out in the order they were opened, examples in the order they were placed.
public enum BestFitPacking {
    /// Indices into `lengths` per row. Every length must be in 1...capacity.
    public static func rows(lengths: [Int], capacity: Int) -> [[Int]] {
        precondition(capacity > 0, "capacity \(capacity) must be positive")
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        var rows: [[Int]] = []
        // Free space -> rows with exactly that space (FIFO), and the sorted list of spaces present.
        var rowsWithSpace: [Int: [Int]] = [:]
        var spaces: [Int] = []
        for i in order {
            let need = lengths[i]
            precondition(need >= 1 && need <= capacity, "length \(need) of sequence \(i) is not in 1...\(capacity)")
            var lo = 0, hi = spaces.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if spaces[mid] < need { lo = mid + 1 } else { hi = mid }
            }
            let row: Int
            let space: Int
            if lo < spaces.count {
                space = spaces[lo]
                row = rowsWithSpace[space]!.removeFirst()
                if rowsWithSpace[space]!.isEmpty {
                    rowsWithSpace[space] = nil
                    spaces.remove(at: lo)
                }
            } else {
                space = capacity
                row = rows.count
                rows.append([])
            }
            rows[row].append(i)
            let left = space - need
            if left > 0 {
                if rowsWithSpace[left] == nil {
                    var a = 0, b = spaces.count
                    while a < b {
                        let mid = (a + b) / 2
                        if spaces[mid] < left { a = mid + 1 } else { b = mid }
                    }
                    spaces.insert(left, at: a)
                    rowsWithSpace[left] = []
                }
                rowsWithSpace[left]!.append(row)
            }
        }
        return rows
    }
}
