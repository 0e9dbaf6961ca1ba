#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Rows of activations quantized to int16 in blocks of 32, so a product with GGUF block weights
/// runs on integer multiply-adds: for block b of a row, x ≈ scale[b] · code[j] with
/// code = round(x / scale) in -32767...32767 and scale = max|x| / 32767. Each block also keeps
/// the exact sum of its x, for the offset term m·Σx of Q4_1 (and -8d·Σx of Q4_0), so offsets
/// add no quantization error.
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
    let codes: UnsafeMutablePointer<Int16>     // rows x columns
    /// (scale, sum) of every block, interleaved: one 64-bit load gives a block's pair, which the
    /// Q4_1 kernel multiplies with the weight block's (d, m) in one instruction.
    let scaleSums: UnsafeMutablePointer<Float> // rows x columns/32 x 2

    var blocksPerRow: Int { columns / Self.blockSize }
    func scale(_ block: Int) -> Float { scaleSums[2 * block] }
    func sum(_ block: Int) -> Float { scaleSums[2 * block + 1] }

    /// Quantizes `rows` rows of `columns` floats (row-major); `columns` must be a multiple of 32.
    init(_ x: UnsafePointer<Float>, rows: Int, columns: Int) {
        precondition(columns % Self.blockSize == 0, "BlockQuantizedActivations: \(columns) columns is not a multiple of 32")
        self.rows = rows
        self.columns = columns
        let blocks = rows * columns / Self.blockSize
        codes = .allocate(capacity: max(1, rows * columns))
        scaleSums = .allocate(capacity: max(2, 2 * blocks))
        for b in 0..<blocks {
            let source = x + b * Self.blockSize, target = codes + b * Self.blockSize
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
            scaleSums[2 * b] = scale
            scaleSums[2 * b + 1] = total.sum()
        }
    }

    deinit {
        codes.deallocate()
        scaleSums.deallocate()
    }
}

/// The 32 codes of one block: round(x · inverse) as int16.
@inline(__always)
private func storeCodes(_ x: UnsafePointer<Float>, _ inverse: Float, _ target: UnsafeMutablePointer<Int16>) {
    #if arch(x86_64)
    // Two vectors of 8 int32 narrow to 16 int16 through a saturating pack, which interleaves
    // 64-bit quarters per 128-bit lane; the permutation puts the codes back in order.
    let scale = _mm256_set1_ps(inverse), order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7)
    func rounded(_ j: Int) -> __m256i {
        _mm256_cvtps_epi32(_mm256_mul_ps(unsafeBitCast(loadSIMD8(x + j), to: __m256.self), scale))
    }
    for half in 0..<2 {
        let words = _mm256_permutevar8x32_epi32(_mm256_packs_epi32(rounded(16 * half), rounded(16 * half + 8)), order)
        _mm256_storeu_si256(UnsafeMutableRawPointer(target + 16 * half).assumingMemoryBound(to: __m256i.self), words)
    }
    #else
    for j in stride(from: 0, to: 32, by: 8) {
        let q = SIMD8<Int32>(loadSIMD8(x + j) * inverse, rounding: .toNearestOrAwayFromZero)
        UnsafeMutableRawPointer(target + j).storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q), as: SIMD8<Int16>.self)
    }
    #endif
}
