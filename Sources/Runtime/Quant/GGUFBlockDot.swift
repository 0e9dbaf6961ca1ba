import CBLAS  // sft_prefetch
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// GGUF block formats whose rows multiply int16 block activations directly: 32 weights per
/// block, one fp16 scale d (and for Q4_1 an fp16 offset m), the same block boundaries as
/// `BlockQuantizedActivations`.
enum BlockDotFormat: String, Sendable {
    /// `half d; u8 qs[16]`: w = (nibble - 8)·d, low nibbles are w[0..<16], high nibbles w[16..<32].
    case q4_0 = "Q4_0"
    /// `half d, m; u8 qs[16]`: w = nibble·d + m, same nibble order.
    case q4_1 = "Q4_1"
    /// `half d; i8 qs[32]`: w = q·d.
    case q8_0 = "Q8_0"

    init?(_ dtype: StoredDType) { self.init(rawValue: dtype.rawValue) }

    var dtype: StoredDType {
        switch self {
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        case .q8_0: .q8_0
        }
    }
    /// The stored type's block size in bytes (18, 20, 34): the fp16 scales and the codes.
    var blockBytes: Int { 2 * halvesPerBlock + codeBytes }
    /// Code bytes per block (16 nibble bytes, or 32 int8).
    var codeBytes: Int { self == .q8_0 ? 32 : 16 }
    /// fp16 values per block ahead of the codes: d, and m for Q4_1.
    var halvesPerBlock: Int { self == .q4_1 ? 2 : 1 }
}

/// Where the parts of one row of `blocks` blocks sit in the decode layout (`DecodeBlockWeight`):
/// the row is groups of 8 blocks (the last may be shorter), each group its blocks' fp16 d, then
/// (Q4_1) their fp16 m, then their codes. The same bytes as the GGUF row, still read front to
/// back, with each group's scales side by side so eight convert at once.
struct DecodeRowLayout {
    let format: BlockDotFormat
    let blocks: Int
    let rowBytes: Int

    init(format: BlockDotFormat, blocks: Int) {
        self.format = format
        self.blocks = blocks
        rowBytes = blocks * format.blockBytes
    }

    /// Blocks in the group that starts at block c (a multiple of 8).
    @inline(__always) func groupCount(_ c: Int) -> Int { min(8, blocks - c) }
    /// The group that starts at block c: its first byte, and where its m and codes begin within it.
    @inline(__always) func groupStart(_ c: Int) -> Int { c * format.blockBytes }
    @inline(__always) func mInGroup(count: Int) -> Int { 2 * count }
    @inline(__always) func codesInGroup(count: Int) -> Int { 2 * format.halvesPerBlock * count }

    /// Byte offsets of block b's d, m (Q4_1) and codes within the row.
    func dOffset(_ b: Int) -> Int { groupStart(b & ~7) + 2 * (b & 7) }
    func mOffset(_ b: Int) -> Int { groupStart(b & ~7) + mInGroup(count: groupCount(b & ~7)) + 2 * (b & 7) }
    func codesOffset(_ b: Int) -> Int {
        groupStart(b & ~7) + codesInGroup(count: groupCount(b & ~7)) + (b & 7) * format.codeBytes
    }
}

/// Σ_j w[j]·x[j] over one decode-layout weight row and one activation row (its codes, scales and
/// sums, from its first block). Per block: the integer dot of weight codes and activation codes,
/// scaled by d·scale, plus the offset term (m·Σx for Q4_1, -8d·Σx for Q4_0).
@inline(__always)
func decodeRowDot(_ layout: DecodeRowLayout, row: UnsafeRawPointer, codes: UnsafePointer<Int16>,
                  scales: UnsafePointer<Float>, sums: UnsafePointer<Float>) -> Float {
    #if arch(x86_64)
    switch layout.format {
    case .q4_0: return rowDotAVX2(row, layout.blocks, Q4_0Blocks.self, codes, scales, sums)
    case .q4_1: return rowDotAVX2(row, layout.blocks, Q4_1Blocks.self, codes, scales, sums)
    case .q8_0: return rowDotAVX2(row, layout.blocks, Q8_0Blocks.self, codes, scales, sums)
    }
    #else
    return decodeRowDotReference(layout, row: row, codes: codes, scales: scales, sums: sums)
    #endif
}

/// `decodeRowDot` of two weight rows of the same layout against one activation row, reading each
/// activation block once for both.
@inline(__always)
func decodeRowPairDot(_ layout: DecodeRowLayout, rows row0: UnsafeRawPointer, _ row1: UnsafeRawPointer, codes: UnsafePointer<Int16>,
                      scales: UnsafePointer<Float>, sums: UnsafePointer<Float>) -> (Float, Float) {
    #if arch(x86_64)
    switch layout.format {
    case .q4_0: return rowPairDotAVX2(row0, row1, layout.blocks, Q4_0Blocks.self, codes, scales, sums)
    case .q4_1: return rowPairDotAVX2(row0, row1, layout.blocks, Q4_1Blocks.self, codes, scales, sums)
    case .q8_0: return rowPairDotAVX2(row0, row1, layout.blocks, Q8_0Blocks.self, codes, scales, sums)
    }
    #else
    return (decodeRowDotReference(layout, row: row0, codes: codes, scales: scales, sums: sums),
            decodeRowDotReference(layout, row: row1, codes: codes, scales: scales, sums: sums))
    #endif
}

/// The scalar twin of `decodeRowDot`: the same integer sums per block, accumulated in order.
func decodeRowDotReference(_ layout: DecodeRowLayout, row: UnsafeRawPointer, codes: UnsafePointer<Int16>,
                           scales: UnsafePointer<Float>, sums: UnsafePointer<Float>) -> Float {
    let format = layout.format
    var total: Float = 0
    for b in 0..<layout.blocks {
        let d = halfToFloat(row.loadUnaligned(fromByteOffset: layout.dOffset(b), as: UInt16.self))
        let blockCodes = row + layout.codesOffset(b), x = codes + b * 32
        var integer: Int32 = 0
        for j in 0..<32 {
            let w: Int32
            switch format {
            case .q4_0, .q4_1:
                let byte = blockCodes.load(fromByteOffset: j % 16, as: UInt8.self)
                w = Int32(j < 16 ? byte & 0x0F : byte >> 4)
            case .q8_0:
                w = Int32(blockCodes.load(fromByteOffset: q8DecodeLayoutByte(ofColumn: j), as: Int8.self))
            }
            integer += w * Int32(x[BlockQuantizedActivations.position(ofColumn: j)])
        }
        let offset: Float
        switch format {
        case .q4_0: offset = -8 * d * sums[b]
        case .q4_1: offset = halfToFloat(row.loadUnaligned(fromByteOffset: layout.mOffset(b), as: UInt16.self)) * sums[b]
        case .q8_0: offset = 0
        }
        total += Float(integer) * (d * scales[b]) + offset
    }
    return total
}

/// Where column j (0..<32) of a Q8_0 block sits among its 32 code bytes in the decode layout:
/// (q0, q16, q2, q18, ..., q14, q30, q1, q17, ..., q15, q31).
@inline(__always)
func q8DecodeLayoutByte(ofColumn j: Int) -> Int { (j & 1) * 16 + (j & 15) / 2 * 2 + j / 16 }

/// A block format as a type, so each kernel is compiled for one format (a format passed as a
/// value was left unspecialized, a branch per block).
protocol BlockKind { static var format: BlockDotFormat { get } }
enum Q4_0Blocks: BlockKind { static var format: BlockDotFormat { .q4_0 } }
enum Q4_1Blocks: BlockKind { static var format: BlockDotFormat { .q4_1 } }
enum Q8_0Blocks: BlockKind { static var format: BlockDotFormat { .q8_0 } }

#if arch(x86_64)
/// The int32 lanes (8) of one block's weight codes · activation codes, the upper four scaled by
/// `upperLaneFactor`. Activation blocks hold each half of 16 codes even columns first
/// (`BlockQuantizedActivations`); the weights come out in that order with shifts and masks only.
///
/// Q4: the 16 code bytes go to both 128-bit lanes. A 16-bit word holds, from bit 0, the nibbles
/// w[2i], w[2i+16], w[2i+1], w[2i+17]. Masking the word to bits 0-3 (lower lane) and 8-11
/// (upper lane) gives the weights of columns 0-15 as they are (lower) and times 256 (upper);
/// the same after a 4-bit shift gives columns 16-31. The factor 256 is taken out once per row
/// (products stay below 2^29: 2 · 15 · 256 · 32767 per lane and half). Q8: the decode layout
/// stores a block's bytes as (q0, q16, q2, q18, ..., q14, q30 | q1, q17, ..., q15, q31), so the
/// sign-extended low bytes of the words are columns 0-15 and the high bytes columns 16-31.
@inline(__always)
private func blockIntegerProduct(_ kind: BlockDotFormat, _ weights: UnsafeRawPointer, _ xLow: __m256i, _ xHigh: __m256i) -> __m256i {
    let low: __m256i, high: __m256i
    if kind == .q8_0 {
        let bytes = _mm256_loadu_si256(weights.assumingMemoryBound(to: __m256i.self))
        low = _mm256_srai_epi16(_mm256_slli_epi16(bytes, 8), 8)
        high = _mm256_srai_epi16(bytes, 8)
    } else {
        let bytes = _mm256_broadcastsi128_si256(_mm_loadu_si128(weights.assumingMemoryBound(to: __m128i.self)))
        let mask = _mm256_setr_epi16(0x000F, 0x000F, 0x000F, 0x000F, 0x000F, 0x000F, 0x000F, 0x000F,
                                     0x0F00, 0x0F00, 0x0F00, 0x0F00, 0x0F00, 0x0F00, 0x0F00, 0x0F00)
        low = _mm256_and_si256(bytes, mask)
        high = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), mask)
    }
    return _mm256_add_epi32(_mm256_madd_epi16(low, xLow), _mm256_madd_epi16(high, xHigh))
}

/// The factor `blockIntegerProduct` leaves on its upper four lanes.
@inline(__always)
private func upperLaneFactor(_ kind: BlockDotFormat) -> Float { kind == .q8_0 ? 1 : 256 }

/// How far ahead of the group being multiplied the kernel asks for weight bytes: 512 B was
/// measured 15% slower than 1 KB, 2 KB the same (out-of-cache rows, standalone harness).
private let decodePrefetchDistance = 1024

/// Eight fp16 values from `source` as floats, lanes from `count` on set to 0. All 16 bytes are
/// read: in a decode-layout group the scales are followed by at least 16 more bytes (codes).
@inline(__always)
private func eightHalves(_ source: UnsafeRawPointer, _ count: Int) -> __m256 {
    let values = _mm256_cvtph_ps(_mm_loadu_si128(source.assumingMemoryBound(to: __m128i.self)))
    if count == 8 { return values }
    let kept = _mm256_cmpgt_epi32(_mm256_set1_epi32(Int32(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
    return _mm256_and_ps(values, _mm256_castsi256_ps(kept))
}

/// The running sums of one weight row against one activation row: two accumulators of scaled
/// block products (alternating, so their FMAs do not chain on each other's latency) and one of
/// offset terms.
private struct RowAccumulator<Kind: BlockKind> {
    let row: UnsafeRawPointer
    let layout: DecodeRowLayout
    var even = _mm256_setzero_ps(), odd = _mm256_setzero_ps(), offsets = _mm256_setzero_ps()
    /// The combined scales d·scale of the current group of eight blocks, and where its codes start.
    var combined = _mm256_setzero_ps()
    var groupCodes: UnsafeRawPointer

    @inline(__always)
    init(_ row: UnsafeRawPointer, blocks: Int) {
        self.row = row
        layout = DecodeRowLayout(format: Kind.format, blocks: blocks)
        groupCodes = row
    }

    /// Starts blocks c..<c+count (count <= 8): their fp16 d (and m) convert in one instruction
    /// and multiply the activation blocks' scales (and sums) in another.
    @inline(__always)
    mutating func startGroup(_ c: Int, _ count: Int, _ scales: __m256, _ sums: __m256) {
        let group = row + layout.groupStart(c)
        groupCodes = group + layout.codesInGroup(count: count)
        // The hardware prefetcher alone leaves one core at 7-9 GB/s on these rows, whose
        // compute per byte is high; asking for the lines a fixed distance ahead reaches 10-12.
        for line in stride(from: 0, to: 8 * Kind.format.blockBytes, by: 64) { sft_prefetch(group + decodePrefetchDistance + line) }
        let d = eightHalves(group, count)
        combined = _mm256_mul_ps(d, scales)
        switch Kind.format {
        case .q4_1: offsets = _mm256_fmadd_ps(eightHalves(group + layout.mInGroup(count: count), count), sums, offsets)
        case .q4_0: offsets = _mm256_fmadd_ps(d, sums, offsets)
        case .q8_0: break
        }
    }

    /// Adds the block at lane `lane` of the current group against the activation block's codes.
    @inline(__always)
    mutating func add(lane: Int, _ xLow: __m256i, _ xHigh: __m256i) {
        let products = blockIntegerProduct(Kind.format, groupCodes + lane * Kind.format.codeBytes, xLow, xHigh)
        let scale = _mm256_permutevar8x32_ps(combined, _mm256_set1_epi32(Int32(lane)))
        if lane & 1 == 0 {
            even = _mm256_fmadd_ps(_mm256_cvtepi32_ps(products), scale, even)
        } else {
            odd = _mm256_fmadd_ps(_mm256_cvtepi32_ps(products), scale, odd)
        }
    }

    /// Eight lanes whose sum is the row's dot product.
    @inline(__always)
    func lanes() -> __m256 {
        let f = 1 / upperLaneFactor(Kind.format)
        let unscaled = _mm256_mul_ps(_mm256_add_ps(even, odd), _mm256_setr_ps(1, 1, 1, 1, f, f, f, f))
        return _mm256_fmadd_ps(offsets, _mm256_set1_ps(Kind.format == .q4_0 ? -8 : 1), unscaled)
    }
}

@inline(__always)
private func activationCodes(_ codes: UnsafePointer<Int16>, _ b: Int) -> (__m256i, __m256i) {
    let block = UnsafeRawPointer(codes + 32 * b)
    return (_mm256_loadu_si256(block.assumingMemoryBound(to: __m256i.self)),
            _mm256_loadu_si256((block + 32).assumingMemoryBound(to: __m256i.self)))
}

/// One row: see `RowAccumulator`.
@inline(__always)
private func rowDotAVX2<Kind: BlockKind>(_ row: UnsafeRawPointer, _ blocks: Int, _: Kind.Type, _ codes: UnsafePointer<Int16>,
                                         _ scales: UnsafePointer<Float>, _ sums: UnsafePointer<Float>) -> Float {
    var r = RowAccumulator<Kind>(row, blocks: blocks)
    var c = 0
    while c < blocks {
        let count = min(8, blocks - c)
        r.startGroup(c, count, _mm256_loadu_ps(scales + c), _mm256_loadu_ps(sums + c))
        if count == 8 {  // a constant trip count: the compiler unrolls the full groups
            for i in 0..<8 {
                let (low, high) = activationCodes(codes, c + i)
                r.add(lane: i, low, high)
            }
        } else {
            for i in 0..<count {
                let (low, high) = activationCodes(codes, c + i)
                r.add(lane: i, low, high)
            }
        }
        c += 8
    }
    return horizontalSums(r.lanes(), r.lanes()).0
}

/// The sums of the eight lanes of a and of b, in the same order of additions for both, so a
/// row's result does not depend on whether it was computed alone or in a pair.
@inline(__always)
private func horizontalSums(_ a: __m256, _ b: __m256) -> (Float, Float) {
    // (a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, ...) then (a0..3, b0..3, .. | a4..7, b4..7, ..).
    let pairs = _mm256_hadd_ps(a, b)
    let quads = unsafeBitCast(_mm256_hadd_ps(pairs, pairs), to: SIMD8<Float>.self)
    return (quads[0] + quads[4], quads[1] + quads[5])
}

/// Two rows against one activation row: each activation block is loaded once for both, and the
/// two horizontal sums share their shuffles.
@inline(__always)
private func rowPairDotAVX2<Kind: BlockKind>(_ row0: UnsafeRawPointer, _ row1: UnsafeRawPointer, _ blocks: Int, _: Kind.Type,
                                             _ codes: UnsafePointer<Int16>, _ scales: UnsafePointer<Float>,
                                             _ sums: UnsafePointer<Float>) -> (Float, Float) {
    var r0 = RowAccumulator<Kind>(row0, blocks: blocks), r1 = RowAccumulator<Kind>(row1, blocks: blocks)
    var c = 0
    while c < blocks {
        let count = min(8, blocks - c)
        let xs = _mm256_loadu_ps(scales + c), xsum = _mm256_loadu_ps(sums + c)
        r0.startGroup(c, count, xs, xsum)
        r1.startGroup(c, count, xs, xsum)
        if count == 8 {  // a constant trip count: the compiler unrolls the full groups
            for i in 0..<8 {
                let (low, high) = activationCodes(codes, c + i)
                r0.add(lane: i, low, high)
                r1.add(lane: i, low, high)
            }
        } else {
            for i in 0..<count {
                let (low, high) = activationCodes(codes, c + i)
                r0.add(lane: i, low, high)
                r1.add(lane: i, low, high)
            }
        }
        c += 8
    }
    return horizontalSums(r0.lanes(), r1.lanes())
}
#endif
