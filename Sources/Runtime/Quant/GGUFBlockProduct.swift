/// y (M, N) = x (M, K) W^T straight from the blocks of a GGUF weight W (N rows of K values in
/// `format`), for few rows M (decode): x is quantized once to int16 blocks and every weight row is
/// read once, as packed bytes, with no Float32 copy of W. Row `r` of W starts at
/// `base + rowOrder[r] * rowBytes` (rowOrder nil: r). Rows split across threads as the thread
/// policy decides for bandwidth-bound products. y is overwritten.
func blockProduct(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, M: Int, K: Int, N: Int,
                  format: BlockDotFormat, base: UnsafeRawPointer, rowBytes: Int, rowOrder: [Int]?) {
    precondition(K % 32 == 0 && rowBytes == K / 32 * format.blockBytes,
                 "blockProduct: \(K) columns in rows of \(rowBytes) bytes do not make \(format) blocks")
    precondition(rowOrder.map { $0.count == N } ?? true, "blockProduct: row order for \(rowOrder!.count) rows, W has \(N)")
    if M == 0 || N == 0 { return }
    let activations = BlockQuantizedActivations(x, rows: M, columns: K)
    let blocks = activations.blocksPerRow
    let codes = UnsafePointer(activations.codes), scaleSums = UnsafePointer(activations.scaleSums)
    ThreadPolicy.parallelFor(N, grain: ThreadPolicy.rowVectorGrain(rowBytes: rowBytes)) { rows in
        for r in rows {
            let row = base + (rowOrder?[r] ?? r) * rowBytes
            for m in 0..<M {
                y[m * N + r] = blockDot(format, row: row, blocks: blocks, codes: codes + m * K, scaleSums: scaleSums + 2 * m * blocks)
            }
        }
    }
}
