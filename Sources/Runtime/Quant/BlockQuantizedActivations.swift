#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Rows of activations quantized to int16 in blocks of 32, so a product with GGUF block weights
/// runs on integer multiply-adds: for block b of a row, x ≈ scale[b] · code[j] with
/// code = round(x / scale) in -32767...32767 and scale = max|x| / 32767. Each block also keeps
/// the exact sum of its x, for the offset term m·Σx of Q4_1 (and -8d·Σx of Q4_0), so offsets
/// add no quantization error.
///
/// Each half of a block's 32 codes is stored even columns first, then odd ones
/// (x0, x2, ..., x14, x1, ..., x15, x16, x18, ..., x30, x17, ..., x31): the order in which the
/// decode kernel widens a block's weights with plain shifts and masks (`DecodeBlockWeight`).
/// Scales and sums are separate arrays, each padded with zeros to a multiple of 8 blocks per row,
/// so the kernel loads 8 of them at once.
///
/// llama.cpp quantizes activations to int8 instead; on SmolLM2, whose activations have large
/// outliers, that moved decode logits by up to 1.6 (of a range of ~40) and flipped greedy
/// tokens, where int16 stays within ~1e-2 at the same speed (the products stay bandwidth bound).
/// Quantizing x costs one pass over `rows x columns` values; it pays when the weight is read once
/// per row (decode). Codes round to nearest, ties to even (the AVX2 conversion; the portable
/// path rounds ties away).
struct BlockQuantizedActivations: ~Copyable {
    static let blockSize = 32
    let rows: Int
    let columns: Int
    let codes: UnsafeMutablePointer<Int16>   // rows x columns, each block even-then-odd
    let scales: UnsafeMutablePointer<Float>  // rows x paddedBlocks
    let sums: UnsafeMutablePointer<Float>    // rows x paddedBlocks

    var blocksPerRow: Int { columns / Self.blockSize }
    /// Blocks per row rounded up to a multiple of 8: the stride of `scales` and `sums`.
    var paddedBlocks: Int { (blocksPerRow + 7) / 8 * 8 }
    func scale(row: Int, block: Int) -> Float { scales[row * paddedBlocks + block] }

    /// Where the code of column j (0..<32) of a block sits within the block.
    @inline(__always)
    static func position(ofColumn j: Int) -> Int { j & ~15 | (j & 1) * 8 | (j & 15) / 2 }

    /// Quantizes `rows` rows of `columns` floats (row-major); `columns` must be a multiple of 32.
    init(_ x: UnsafePointer<Float>, rows: Int, columns: Int) {
        precondition(columns % Self.blockSize == 0, "BlockQuantizedActivations: \(columns) columns is not a multiple of 32")
        self.rows = rows
        self.columns = columns
        let perRow = columns / Self.blockSize, padded = (perRow + 7) / 8 * 8
        codes = .allocate(capacity: max(1, rows * columns))
        scales = .allocate(capacity: max(8, rows * padded))
        sums = .allocate(capacity: max(8, rows * padded))
        scales.initialize(repeating: 0, count: max(8, rows * padded))
        sums.initialize(repeating: 0, count: max(8, rows * padded))
        for r in 0..<rows {
            for b in 0..<perRow {
                let source = x + r * columns + b * Self.blockSize, target = codes + r * columns + b * Self.blockSize
                var amax = SIMD8<Float>(), total = SIMD8<Float>()
                for j in stride(from: 0, to: Self.blockSize, by: 8) {
                    let v = loadSIMD8(source + j)
                    let magnitude = unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
                    amax.replace(with: magnitude, where: magnitude .> amax)
                    total += v
                }
                let scale = amax.max() / 32767
                let inverse: Float = scale > 0 ? 1 / scale : 0
                storeCodes(source, inverse, target)
                scales[r * padded + b] = scale
                sums[r * padded + b] = total.sum()
            }
        }
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        sums.deallocate()
    }
}

/// The 32 codes of one block, round(x · inverse) as int16, each half even columns first.
@inline(__always)
private func storeCodes(_ x: UnsafePointer<Float>, _ inverse: Float, _ target: UnsafeMutablePointer<Int16>) {
    #if arch(x86_64)
    // Two vectors of 8 int32 narrow to 16 int16 through a saturating pack, which interleaves
    // 64-bit quarters per 128-bit lane; a byte shuffle then puts each lane's even words in its
    // low half and odd words in its high half, and a permutation of quarters gathers the evens
    // of the 16 codes, then the odds.
    let scale = _mm256_set1_ps(inverse)
    let evenOdd = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,
                                   0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15)
    // Quarters (0, 2, 1, 3) as 32-bit indices (the 64-bit permute takes an immediate, which Swift cannot pass).
    let quarters = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7)
    func rounded(_ j: Int) -> __m256i {
        _mm256_cvtps_epi32(_mm256_mul_ps(unsafeBitCast(loadSIMD8(x + j), to: __m256.self), scale))
    }
    for h in 0..<2 {
        // packs gives (c0..3, c8..11 | c4..7, c12..15) of x[16h..<16h+16]; the quarters permutation orders them.
        let words = _mm256_permutevar8x32_epi32(_mm256_packs_epi32(rounded(16 * h), rounded(16 * h + 8)), quarters)
        // Per lane (c0..7 | c8..15) -> (even, odd | even, odd), then quarters -> (evens | odds).
        let ordered = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(words, evenOdd), quarters)
        _mm256_storeu_si256(UnsafeMutableRawPointer(target + 16 * h).assumingMemoryBound(to: __m256i.self), ordered)
    }
    #else
    for j in 0..<32 {
        let q = Int32((x[j] * inverse).rounded(.toNearestOrAwayFromZero))
        target[BlockQuantizedActivations.position(ofColumn: j)] = Int16(truncatingIfNeeded: q)
    }
    #endif
}
