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

    /// The stored type's block size in bytes (18, 20, 34).
    var blockBytes: Int { StoredDType(rawValue: rawValue)!.blockBytes }
}

/// Σ_j w[j]·x[j] over one weight row of `blocks` blocks and one activation row (its codes and
/// interleaved (scale, sum) pairs, from its first block). Per block: the integer dot of weight
/// codes and activation codes, scaled by d·scale, plus the offset term (m·Σx for Q4_1, -8d·Σx
/// for Q4_0).
@inline(__always)
func blockDot(_ format: BlockDotFormat, row: UnsafeRawPointer, blocks: Int, codes: UnsafePointer<Int16>,
              scaleSums: UnsafePointer<Float>) -> Float {
    #if arch(x86_64)
    switch format {
    case .q4_0: return nibbleBlockDotAVX2(row, blocks: blocks, blockBytes: 18, hasOffset: false, codes, scaleSums)
    case .q4_1: return nibbleBlockDotAVX2(row, blocks: blocks, blockBytes: 20, hasOffset: true, codes, scaleSums)
    case .q8_0: return q8BlockDotAVX2(row, blocks: blocks, codes, scaleSums)
    }
    #else
    return blockDotReference(format, row: row, blocks: blocks, codes: codes, scaleSums: scaleSums)
    #endif
}

/// The scalar twin of `blockDot`: the same integer sums per block, accumulated in order.
func blockDotReference(_ format: BlockDotFormat, row: UnsafeRawPointer, blocks: Int, codes: UnsafePointer<Int16>,
                       scaleSums: UnsafePointer<Float>) -> Float {
    var total: Float = 0
    for b in 0..<blocks {
        let block = row + b * format.blockBytes, x = codes + b * 32
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        let scale = scaleSums[2 * b], sum = scaleSums[2 * b + 1]
        var integer: Int32 = 0
        var offset: Float = 0
        switch format {
        case .q4_0, .q4_1:
            let qsOffset = format == .q4_1 ? 4 : 2
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: qsOffset + j, as: UInt8.self)
                integer += Int32(byte & 0x0F) * Int32(x[j]) + Int32(byte >> 4) * Int32(x[j + 16])
            }
            offset = format == .q4_1 ? halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) * sum : -8 * d * sum
        case .q8_0:
            for j in 0..<32 { integer += Int32(block.load(fromByteOffset: 2 + j, as: Int8.self)) * Int32(x[j]) }
        }
        total += Float(integer) * (d * scale) + offset
    }
    return total
}

#if arch(x86_64)
/// One Q4_0 / Q4_1 block of one row against one activation block: the 16 bytes of nibbles
/// become 32 codes (low nibbles first, matching the activation order), widened to int16 and
/// multiplied with the int16 activation codes by `madd`, which adds pairs into eight int32
/// lanes. The block's fp16 (d, m) convert together and multiply the activation block's
/// (scale, sum) in one instruction (Q4_0 uses (d, d) and scales the offsets by -8 at the end).
@inline(__always)
private func nibbleStepAVX2(_ block: UnsafeRawPointer, _ b: Int, hasOffset: Bool, _ codes: UnsafePointer<Int16>,
                            _ pair: __m128, _ accumulator: inout __m256, _ offsets: inout __m128) {
    let halves = hasOffset ? Int32(bitPattern: block.loadUnaligned(as: UInt32.self))
        : Int32(bitPattern: UInt32(block.loadUnaligned(as: UInt16.self)) &* 0x1_0001)
    let scaled = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(halves)), pair)  // (d·scale, m·sum or d·sum, 0, 0)
    offsets = _mm_add_ps(offsets, scaled)
    let packed = _mm_loadu_si128((block + (hasOffset ? 4 : 2)).assumingMemoryBound(to: __m128i.self))
    let lowMask = _mm_set1_epi8(0x0F)
    let low = _mm256_cvtepu8_epi16(_mm_and_si128(packed, lowMask))
    let high = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), lowMask))
    let products = _mm256_add_epi32(_mm256_madd_epi16(low, activationWords(codes, b, 0)),
                                    _mm256_madd_epi16(high, activationWords(codes, b, 16)))
    accumulator = _mm256_fmadd_ps(_mm256_cvtepi32_ps(products), _mm256_broadcastss_ps(scaled), accumulator)
}

/// Sixteen activation codes of block b from `offset`.
@inline(__always)
private func activationWords(_ codes: UnsafePointer<Int16>, _ b: Int, _ offset: Int) -> __m256i {
    _mm256_loadu_si256(UnsafeRawPointer(codes + b * 32 + offset).assumingMemoryBound(to: __m256i.self))
}

@inline(__always)
private func scaleSumPair(_ scaleSums: UnsafePointer<Float>, _ b: Int) -> __m128 {
    _mm_castsi128_ps(_mm_loadl_epi64(UnsafeRawPointer(scaleSums + 2 * b).assumingMemoryBound(to: __m128i.self)))
}

@inline(__always)
private func finish(_ accumulator: __m256, _ offsets: __m128, hasOffset: Bool) -> Float {
    let offset = unsafeBitCast(offsets, to: SIMD4<Float>.self)[1]
    return unsafeBitCast(accumulator, to: SIMD8<Float>.self).sum() + (hasOffset ? offset : -8 * offset)
}

/// Q4_0 / Q4_1 rows, two blocks per step into two accumulators: one accumulator chains every
/// block on the FMA latency (measured 1.5x slower with `sft bench gemv`).
@inline(__always)
private func nibbleBlockDotAVX2(_ row: UnsafeRawPointer, blocks: Int, blockBytes: Int, hasOffset: Bool,
                                _ codes: UnsafePointer<Int16>, _ scaleSums: UnsafePointer<Float>) -> Float {
    var a0 = _mm256_setzero_ps(), a1 = a0
    var o0 = _mm_setzero_ps(), o1 = o0
    var b = 0
    while b + 1 < blocks {
        nibbleStepAVX2(row + b * blockBytes, b, hasOffset: hasOffset, codes, scaleSumPair(scaleSums, b), &a0, &o0)
        nibbleStepAVX2(row + (b + 1) * blockBytes, b + 1, hasOffset: hasOffset, codes, scaleSumPair(scaleSums, b + 1), &a1, &o1)
        b += 2
    }
    if b < blocks { nibbleStepAVX2(row + b * blockBytes, b, hasOffset: hasOffset, codes, scaleSumPair(scaleSums, b), &a0, &o0) }
    return finish(_mm256_add_ps(a0, a1), _mm_add_ps(o0, o1), hasOffset: hasOffset)
}

/// Q8_0 rows: the 32 signed weight codes widen to int16 in two halves and `madd` with the
/// activation codes.
@inline(__always)
private func q8BlockDotAVX2(_ row: UnsafeRawPointer, blocks: Int, _ codes: UnsafePointer<Int16>,
                            _ scaleSums: UnsafePointer<Float>) -> Float {
    @inline(__always) func step(_ b: Int, _ accumulator: inout __m256) {
        let block = row + b * 34
        let d = _mm_cvtph_ps(_mm_cvtsi32_si128(Int32(block.loadUnaligned(as: UInt16.self))))
        let scale = _mm_mul_ss(d, _mm_load_ss(scaleSums + 2 * b))
        let low = _mm256_cvtepi8_epi16(_mm_loadu_si128((block + 2).assumingMemoryBound(to: __m128i.self)))
        let high = _mm256_cvtepi8_epi16(_mm_loadu_si128((block + 18).assumingMemoryBound(to: __m128i.self)))
        let products = _mm256_add_epi32(_mm256_madd_epi16(low, activationWords(codes, b, 0)),
                                        _mm256_madd_epi16(high, activationWords(codes, b, 16)))
        accumulator = _mm256_fmadd_ps(_mm256_cvtepi32_ps(products), _mm256_broadcastss_ps(scale), accumulator)
    }
    var a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps()
    var b = 0
    while b + 1 < blocks {
        step(b, &a0)
        step(b + 1, &a1)
        b += 2
    }
    if b < blocks { step(b, &a0) }
    return unsafeBitCast(_mm256_add_ps(a0, a1), to: SIMD8<Float>.self).sum()
}
#endif
