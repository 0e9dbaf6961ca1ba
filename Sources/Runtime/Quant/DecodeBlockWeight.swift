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
        let halves = format.halvesPerBlock, codeBytes = format.codeBytes, blockBytes = format.blockBytes
        for r in 0..<rows {
            let source = ggufRow(r), target = storage + r * layout.rowBytes
            for b in 0..<layout.blocks {
                let block = source + b * blockBytes
                for h in 0..<halves {
                    target.storeBytes(of: block.loadUnaligned(fromByteOffset: 2 * h, as: UInt16.self),
                                      toByteOffset: h == 0 ? layout.dOffset(b) : layout.mOffset(b), as: UInt16.self)
                }
                let codes = target + layout.codesOffset(b)
                if format == .q8_0 {
                    for j in 0..<32 { codes.storeBytes(of: block.load(fromByteOffset: 2 + j, as: UInt8.self), toByteOffset: q8DecodeLayoutByte(ofColumn: j), as: UInt8.self) }
                } else {
                    codes.copyMemory(from: block + 2 * halves, byteCount: codeBytes)
                }
            }
        }
    }

    deinit { storage.deallocate() }

    /// Rows `rows` as Float32: each row is put back into GGUF block order and decoded as the
    /// checkpoint reader decodes the file.
    public func decodeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= outFeatures, "DecodeBlockWeight: rows \(rows) of \(outFeatures)")
        let halves = format.halvesPerBlock, codeBytes = format.codeBytes, blockBytes = format.blockBytes
        withUnsafeTemporaryAllocation(byteCount: max(1, layout.rowBytes), alignment: 16) { scratch in
            let blocks = scratch.baseAddress!
            for (i, r) in rows.enumerated() {
                let source = row(r)
                for b in 0..<layout.blocks {
                    let block = blocks + b * blockBytes
                    for h in 0..<halves {
                        block.storeBytes(of: source.loadUnaligned(fromByteOffset: h == 0 ? layout.dOffset(b) : layout.mOffset(b), as: UInt16.self),
                                         toByteOffset: 2 * h, as: UInt16.self)
                    }
                    let codes = source + layout.codesOffset(b)
                    if format == .q8_0 {
                        for j in 0..<32 { block.storeBytes(of: codes.load(fromByteOffset: q8DecodeLayoutByte(ofColumn: j), as: UInt8.self), toByteOffset: 2 + j, as: UInt8.self) }
                    } else {
                        block.storeBytes(of: codes.loadUnaligned(as: SIMD16<UInt8>.self), toByteOffset: 2 * halves, as: SIMD16<UInt8>.self)
                    }
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
