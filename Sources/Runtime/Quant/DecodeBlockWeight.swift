/// A GGUF Q4_0 / Q4_1 / Q8_0 weight [out, in] rearranged once, at load, for decode: each row
/// holds the same bytes as its GGUF blocks, in groups of 8 blocks whose fp16 d, then (Q4_1) fp16
/// m, then codes sit together (`DecodeRowLayout`; Q8_0 codes interleaved so the kernel widens
/// them with shifts). Gathering the scales lets the product convert eight of them in one
/// instruction instead of one block at a time, the largest cost per block in the GGUF order;
/// whole groups keep each row one front-to-back stream of reads. Rows are stored in tensor order
/// (a GGUF row permutation is applied while rearranging), and the byte count equals the GGUF
/// tensor's.
///
/// Training and export read it through `decodeRows` (each row reassembled into GGUF blocks and
/// decoded by the checkpoint decoder), so it is exact to the file.
public final class DecodeBlockWeight: PackedWeight, @unchecked Sendable {
    // @unchecked: `storage` is written only in init and freed in deinit.
    public let outFeatures: Int
    public let inFeatures: Int
    let layout: DecodeRowLayout
    let storage: UnsafeMutableRawPointer  // outFeatures x layout.rowBytes

    public var byteCount: Int { outFeatures * layout.rowBytes }
    var format: BlockDotFormat { layout.format }
    func row(_ r: Int) -> UnsafeRawPointer { UnsafeRawPointer(storage + r * layout.rowBytes) }

    /// Rearranges `rows` rows of `columns` values whose GGUF blocks (`format`) start at
    /// `ggufRow(r)` for tensor row r. `columns` must be a multiple of 32.
    init(format: BlockDotFormat, rows: Int, columns: Int, ggufRow: (Int) -> UnsafeRawPointer) {
        precondition(columns % 32 == 0, "DecodeBlockWeight: \(columns) columns do not make blocks of 32")
        outFeatures = rows
        inFeatures = columns
        layout = DecodeRowLayout(format: format, blocks: columns / 32)
        storage = .allocate(byteCount: max(1, rows * layout.rowBytes), alignment: 64)
        for r in 0..<rows {
            let source = UnsafeMutableRawPointer(mutating: ggufRow(r)), target = storage + r * layout.rowBytes
            for b in 0..<layout.blocks { layout.moveBlock(b, gguf: source + b * format.blockBytes, row: target, intoRow: true) }
        }
    }

    deinit { storage.deallocate() }

    /// Rows `rows` as Float32: each row is put back into GGUF block order and decoded as the
    /// checkpoint reader decodes the file.
    public func decodeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= outFeatures, "DecodeBlockWeight: rows \(rows) of \(outFeatures)")
        withUnsafeTemporaryAllocation(byteCount: max(1, layout.rowBytes), alignment: 16) { scratch in
            let blocks = scratch.baseAddress!
            for (i, r) in rows.enumerated() {
                let source = storage + r * layout.rowBytes
                for b in 0..<layout.blocks {
                    layout.moveBlock(b, gguf: blocks + b * format.blockBytes, row: source, intoRow: false)
                }
                decodeElements(format.dtype, from: blocks, count: inFeatures, into: destination + i * inFeatures)
            }
        }
    }

    /// y (M, out) = x (M, in) W^T straight from the rearranged blocks.
    public func productFromPackedRows(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, M: Int) -> Bool {
        decodeBlockProducts([(self, y)], x, M: M)
        return true
    }
}

extension DecodeRowLayout {
    /// Moves block b's bytes between its GGUF block (`gguf`: fp16 d, fp16 m for Q4_1, codes) and
    /// their places in a decode-layout row, into the row or back out of it: the one statement of
    /// where each byte of a block goes, used by the rearranging at load and by `decodeRows`.
    func moveBlock(_ b: Int, gguf: UnsafeMutableRawPointer, row: UnsafeMutableRawPointer, intoRow: Bool) {
        func move(ggufOffset: Int, rowOffset: Int, bytes: Int) {
            if intoRow {
                (row + rowOffset).copyMemory(from: gguf + ggufOffset, byteCount: bytes)
            } else {
                (gguf + ggufOffset).copyMemory(from: row + rowOffset, byteCount: bytes)
            }
        }
        move(ggufOffset: 0, rowOffset: dOffset(b), bytes: 2)
        if format == .q4_1 { move(ggufOffset: 2, rowOffset: mOffset(b), bytes: 2) }
        let codesStart = 2 * format.halvesPerBlock, codes = codesOffset(b)
        if format == .q8_0 {
            for j in 0..<32 { move(ggufOffset: codesStart + j, rowOffset: codes + q8DecodeLayoutByte(ofColumn: j), bytes: 1) }
        } else {
            move(ggufOffset: codesStart, rowOffset: codes, bytes: format.codeBytes)
        }
    }
}
