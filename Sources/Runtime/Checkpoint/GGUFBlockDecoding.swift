// Dequantization of the GGUF block formats (ggml-common.h layouts, little-endian, `half` =
// IEEE fp16). Each function takes `count` values (a whole number of blocks) and writes floats
// in order. The arithmetic order matches ggml and gguf-py (scale * q, then +/- offset, no FMA)
// so results agree bit for bit.

@inline(__always)
private func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// Lanes below 128 as floats. Going through Int8 compiles to a vector sign-extend and convert;
/// the direct UInt8 -> Float conversion is scalarized (about 10x slower, measured).
@inline(__always)
private func small(_ q: SIMD16<UInt8>) -> SIMD16<Float> {
    SIMD16<Float>(SIMD16<Int8>(truncatingIfNeeded: q))
}

@inline(__always)
private func nibbles(_ q: SIMD16<UInt8>) -> (low: SIMD16<Float>, high: SIMD16<Float>) {
    (small(q & 0x0F), small(q &>> 4))
}

/// Q4_0: 32 values in 18 bytes, `half d; u8 qs[16]`; x[j] = (lo(qs[j]) - 8)·d,
/// x[j+16] = (hi(qs[j]) - 8)·d.
func decodeQ4_0(from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
    for b in 0..<(count / 32) {
        let block = source + b * 18, out = destination + b * 32
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        let (low, high) = nibbles(block.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self))
        store16((low - 8) * d, out)
        store16((high - 8) * d, out + 16)
    }
}

/// Q4_1: 32 values in 20 bytes, `half d, m; u8 qs[16]`; x = nibble·d + m, low nibbles first.
func decodeQ4_1(from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
    for b in 0..<(count / 32) {
        let block = source + b * 20, out = destination + b * 32
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        let m = halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        let (low, high) = nibbles(block.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self))
        store16(low * d + m, out)
        store16(high * d + m, out + 16)
    }
}

/// Q8_0: 32 values in 34 bytes, `half d; i8 qs[32]`; x = qs·d.
func decodeQ8_0(from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
    for b in 0..<(count / 32) {
        let block = source + b * 34, out = destination + b * 32
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        let q0 = block.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self)
        let q1 = block.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self)
        store16(SIMD16<Float>(q0) * d, out)
        store16(SIMD16<Float>(q1) * d, out + 16)
    }
}

/// Q4_K: 256 values in 144 bytes, `half d, dmin; u8 scales[12]; u8 qs[128]`. Eight sub-blocks
/// of 32 have 6-bit scale and min packed in `scales`; sub-blocks 2c and 2c+1 are the low and
/// high nibbles of qs[32c..<32c+32]. x = (d·scale)·q - dmin·min.
func decodeQ4_K(from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
    for b in 0..<(count / 256) {
        let block = source + b * 144, out = destination + b * 256
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        let dmin = halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        let scales = block + 4, qs = block + 16
        for sub in 0..<8 {
            let (scale, minimum) = q4KScaleAndMin(sub, scales)
            let ds = d * Float(scale), dm = dmin * Float(minimum)
            let chunk = qs + (sub / 2) * 32
            let shift: UInt8 = sub % 2 == 0 ? 0 : 4
            for half in 0..<2 {
                let q = small((chunk.loadUnaligned(fromByteOffset: 16 * half, as: SIMD16<UInt8>.self) &>> shift) & 0x0F)
                store16(q * ds - dm, out + sub * 32 + 16 * half)
            }
        }
    }
}

/// The 6-bit scale and min of Q4_K sub-block `j` (ggml's get_scale_min_k4): bytes 0-3 hold
/// scales 0-3 (low 6 bits), bytes 4-7 mins 0-3, bytes 8-11 the low 4 bits of scales/mins
/// 4-7 whose top 2 bits sit in the top bits of bytes 0-7.
@inline(__always)
private func q4KScaleAndMin(_ j: Int, _ s: UnsafeRawPointer) -> (UInt8, UInt8) {
    let byte = { (i: Int) in s.load(fromByteOffset: i, as: UInt8.self) }
    if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
    return ((byte(j + 4) & 0x0F) | ((byte(j - 4) >> 6) << 4), (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4))
}

/// Q6_K: 256 values in 210 bytes, `u8 ql[128]; u8 qh[64]; i8 scales[16]; half d`. Each half
/// of 128 values uses 64 bytes of ql (low 4 bits) and 32 of qh (2 high bits each); every 16
/// values share one int8 scale. x = (d·scale)·(q - 32).
func decodeQ6_K(from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
    for b in 0..<(count / 256) {
        let block = source + b * 210, out = destination + b * 256
        let d = halfToFloat(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
        for half in 0..<2 {
            let ql = block + 64 * half, qh = block + 128 + 32 * half
            let scales = block + 192 + 8 * half
            let o = out + 128 * half
            for part in 0..<2 {  // l in 16*part ..< 16*part+16
                let l = 16 * part
                let lowA = ql.loadUnaligned(fromByteOffset: l, as: SIMD16<UInt8>.self)
                let lowB = ql.loadUnaligned(fromByteOffset: l + 32, as: SIMD16<UInt8>.self)
                let high = qh.loadUnaligned(fromByteOffset: l, as: SIMD16<UInt8>.self)
                let q1 = (lowA & 0x0F) | ((high & 3) &<< 4)
                let q2 = (lowB & 0x0F) | (((high &>> 2) & 3) &<< 4)
                let q3 = (lowA &>> 4) | (((high &>> 4) & 3) &<< 4)
                let q4 = (lowB &>> 4) | (((high &>> 6) & 3) &<< 4)
                // Group k (values 32k + l) uses scale part + 2k.
                let scale = { (k: Int) in d * Float(scales.load(fromByteOffset: part + 2 * k, as: Int8.self)) }
                store16((small(q1) - 32) * scale(0), o + l)
                store16((small(q2) - 32) * scale(1), o + 32 + l)
                store16((small(q3) - 32) * scale(2), o + 64 + l)
                store16((small(q4) - 32) * scale(3), o + 96 + l)
            }
        }
    }
}
