/// y_i (M, N_i) = x (M, K) W_i^T for weights W_i (N_i, K) that share one input, straight from
/// their decode-layout blocks, for few rows M (decode): x is quantized to int16 blocks once, and
/// the rows of all the W_i are split across threads as one loop, so q/k/v (or gate/up) cost one
/// hand-off between threads instead of three. Every weight row is read once, as packed bytes,
/// with no Float32 copy of W. Each y_i is overwritten.
func decodeBlockProducts(_ products: [(weight: DecodeBlockWeight, y: UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>,
                         M: Int) {
    guard let K = products.first?.weight.inFeatures else { return }
    precondition(products.allSatisfy { $0.weight.inFeatures == K },
                 "decodeBlockProducts: weights of \(products.map { $0.weight.inFeatures }) columns share one input")
    let total = products.reduce(0) { $0 + $1.weight.outFeatures }
    if M == 0 || total == 0 { return }
    let activations = BlockQuantizedActivations(x, rows: M, columns: K)
    let padded = activations.paddedBlocks
    let codes = UnsafePointer(activations.codes), scales = UnsafePointer(activations.scales), sums = UnsafePointer(activations.sums)
    // Plain values for the loop body: no class references to retain from two threads at once.
    let parts = products.map { (layout: $0.weight.layout, base: UnsafeRawPointer($0.weight.storage), N: $0.weight.outFeatures, y: $0.y) }
    ThreadPolicy.parallelFor(total, grain: ThreadPolicy.rowVectorGrain(rowBytes: parts[0].layout.rowBytes)) { rows in
        // rows index the concatenation of every W_i's rows.
        var start = 0
        for (layout, base, N, y) in parts {
            func row(_ r: Int) -> UnsafeRawPointer { base + r * layout.rowBytes }
            let first = min(max(rows.lowerBound - start, 0), N), end = max(first, min(rows.upperBound - start, N))
            start += N
            // Rows in pairs: each activation block is loaded once for two weight rows.
            var r = first
            while r + 1 < end {
                let row0 = row(r), row1 = row(r + 1)
                for m in 0..<M {
                    (y[m * N + r], y[m * N + r + 1]) = decodeRowPairDot(layout, rows: row0, row1, codes: codes + m * K,
                                                                        scales: scales + m * padded, sums: sums + m * padded)
                }
                r += 2
            }
            if r < end {
                for m in 0..<M {
                    y[m * N + r] = decodeRowDot(layout, row: row(r), codes: codes + m * K, scales: scales + m * padded,
                                                sums: sums + m * padded)
                }
            }
        }
    }
}
