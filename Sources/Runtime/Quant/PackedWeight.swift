import CBLAS

/// A frozen weight [outFeatures, inFeatures] kept in a packed format (NF4, int8, GGUF blocks)
/// whose rows are decoded to Float32 on demand. A quantized linear layer never holds the whole
/// weight in Float32: its products decode one tile of rows at a time into a small scratch.
public protocol PackedWeight: Sendable {
    var outFeatures: Int { get }
    var inFeatures: Int { get }
    /// Bytes the packed form occupies (codes and scales).
    var byteCount: Int { get }
    /// Writes rows `rows` of W as Float32, row-major, into `destination` (rows.count x inFeatures).
    func decodeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>)
    /// y (M, out) = x (M, in) W^T read straight from the packed bytes, without decoding tiles;
    /// false when the format has no such kernel. Only asked for few rows (decode), where
    /// reading W is the whole cost.
    func productFromPackedRows(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, M: Int) -> Bool
}

extension PackedWeight {
    public func productFromPackedRows(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, M: Int) -> Bool { false }
}

/// Products with at most this many rows go straight through the packed rows when the format
/// allows (one pass over W per row of x); more rows decode tiles once and use sgemm.
let packedDirectProductMaxRows = 4

extension PackedWeight {
    /// The whole weight as a Float32 tensor [out, in] (tests, merging, export).
    public func dequantized() -> Tensor {
        let out = Tensor.uninitialized([outFeatures, inFeatures])
        decodeRows(0..<outFeatures, into: out.pointer)
        return out
    }
}

/// Rows per decoded tile: about 64K floats (256 KB, within L2) so a tile is decoded, multiplied
/// and reused while it is still in cache.
func packedTileRows(inFeatures: Int, outFeatures: Int) -> Int {
    max(1, min(outFeatures, 65_536 / max(inFeatures, 1)))
}

/// Splits the row tiles of W into one contiguous run per thread and calls
/// `body(run, start, rows, tile)` for each tile, decoded into that thread's own scratch
/// (rows x inFeatures). Threads each decode and multiply their own tiles (BLAS held at one
/// thread): handing each small tile to a multi-threaded sgemm instead made QLoRA slower on two
/// threads than on one.
private func forEachDecodedTile(_ w: some PackedWeight, runs: Int,
                                _ body: (_ run: Int, _ start: Int, _ rows: Int, _ tile: UnsafePointer<Float>) -> Void) {
    let N = w.outFeatures, K = w.inFeatures
    let tileRows = packedTileRows(inFeatures: K, outFeatures: N)
    let tiles = (N + tileRows - 1) / tileRows
    ThreadPolicy.parallelFor(runs) { runRange in
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * K)
        defer { scratch.deallocate() }
        for run in runRange {
            for t in (run * tiles / runs)..<((run + 1) * tiles / runs) {
                let start = t * tileRows, rows = min(tileRows, N - start)
                w.decodeRows(start..<(start + rows), into: scratch)
                body(run, start, rows, scratch)
            }
        }
    }
}

/// Runs of tiles to split a product over W into: one per thread available (one inside a training
/// shard, so no partial dx is made there), at most one per tile.
private func tileRuns(_ w: some PackedWeight) -> Int {
    let tileRows = packedTileRows(inFeatures: w.inFeatures, outFeatures: w.outFeatures)
    return max(1, min(ThreadPolicy.availableThreads, (w.outFeatures + tileRows - 1) / tileRows))
}

/// y (M, N) = x (M, K) W^T with W (N, K) decoded tile by tile; y is overwritten.
func packedMatmulForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: some PackedWeight, M: Int) {
    let N = w.outFeatures, K = w.inFeatures
    if M == 0 || N == 0 { return }
    if K == 0 { y.update(repeating: 0, count: M * N); return }
    if M <= packedDirectProductMaxRows, w.productFromPackedRows(y, x, M: M) { return }
    forEachDecodedTile(w, runs: tileRuns(w)) { _, start, rows, tile in
        // y[:, start..<start+rows] (ldc = N) = x (M, K) * tile (rows, K)^T; tiles write disjoint columns.
        ThreadPolicy.prepareBLAS(m: M, n: rows, k: K)
        if M == 1 {  // sgemm with one row packs the whole tile first: 2-4x slower than sgemv
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(K), 1, tile, Int32(K), x, 1, 0, y + start, 1)
            return
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(M), Int32(rows), Int32(K),
                    1, x, Int32(K), tile, Int32(K), 0, y + start, Int32(N))
    }
}

/// dx (M, K) = dy (M, N) W with W (N, K) decoded tile by tile; dx is overwritten. Each run of
/// tiles sums into its own partial dx (the first run into dx itself); the partials are added at
/// the end.
func packedMatmulBackwardInput(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ w: some PackedWeight, M: Int) {
    let N = w.outFeatures, K = w.inFeatures
    if M == 0 || K == 0 { return }
    let runs = tileRuns(w)
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: max(1, (runs - 1) * M * K))
    defer { partials.deallocate() }
    dx.update(repeating: 0, count: M * K)
    if runs > 1 { partials.update(repeating: 0, count: (runs - 1) * M * K) }
    forEachDecodedTile(w, runs: runs) { run, start, rows, tile in
        // target += dy[:, start..<start+rows] (M, rows; lda = N) * tile (rows, K)
        let target = run == 0 ? dx : partials + (run - 1) * M * K
        ThreadPolicy.prepareBLAS(m: M, n: K, k: rows)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(M), Int32(K), Int32(rows),
                    1, dy + start, Int32(N), tile, Int32(K), 1, target, Int32(K))
    }
    for run in 1..<max(runs, 1) { cblas_saxpy(Int32(M * K), 1, partials + (run - 1) * M * K, 1, dx, 1) }
}

/// x W^T (+ bias) for a frozen packed W: x [..., in] -> [..., out]. Differentiable w.r.t. x
/// (dx = dy W, decoded tile by tile again) and, through an ordinary add, w.r.t. the bias; W
/// itself gets no gradient.
public func packedLinear(_ x: Tensor, weight: some PackedWeight, bias: Tensor? = nil) -> Tensor {
    precondition(x.lastDim == weight.inFeatures,
                 "packedLinear: input \(x.shape) does not match weight [\(weight.outFeatures), \(weight.inFeatures)]")
    let out = Tensor.uninitialized(Array(x.shape.dropLast()) + [weight.outFeatures])
    packedMatmulForward(out.pointer, x.pointer, weight, M: x.rowCount)
    let y = Tensor.custom(name: "packedLinear", inputs: [x], output: out) { g, inputs, _ in
        let dx = Tensor.uninitialized(inputs[0].shape)
        packedMatmulBackwardInput(dx.pointer, g.pointer, weight, M: g.rowCount)
        return [dx]
    }
    guard let bias else { return y }
    precondition(bias.shape == [weight.outFeatures], "packedLinear: bias \(bias.shape) for \(weight.outFeatures) outputs")
    return y + bias
}

/// A linear layer whose frozen weight is packed (NF4, int8, GGUF blocks): what merging LoRA
/// into a quantized base needs to read.
public protocol PackedLinearLayer: LinearLayer {
    var packedWeight: any PackedWeight { get }
    var bias: Tensor? { get }
}
