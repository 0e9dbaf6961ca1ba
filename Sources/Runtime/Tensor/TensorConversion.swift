/// Tensors from raw checkpoint bytes: zero-copy Float32, and converted BF16 / F16.
///
/// All byte layouts are little-endian (safetensors, GGUF and this machine agree).
extension Tensor {
    /// Views Float32 bytes owned by `owner` (for example a memory-mapped file) without copying;
    /// the result is read-only. Unaligned bytes (possible inside GGUF) are copied instead.
    public static func float32(bytes: UnsafeRawBufferPointer, shape: [Int], owner: AnyObject) -> Tensor {
        let n = shape.reduce(1, *)
        precondition(bytes.count == n * 4, "Tensor.float32: \(bytes.count) bytes for shape \(shape) (need \(n * 4))")
        guard n > 0, let base = bytes.baseAddress else { return zeros(shape) }
        if Int(bitPattern: base) % 4 == 0 {
            let storage = TensorStorage(external: base.assumingMemoryBound(to: Float.self), count: n, owner: owner)
            return Tensor(shape: shape, storage: storage)
        }
        let t = uninitialized(shape)
        UnsafeMutableRawPointer(t.pointer).copyMemory(from: base, byteCount: n * 4)
        return t
    }

    /// Converts bfloat16 bytes (2 per value) to a new Float32 tensor.
    public static func bfloat16(bytes: UnsafeRawBufferPointer, shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        precondition(bytes.count == n * 2, "Tensor.bfloat16: \(bytes.count) bytes for shape \(shape) (need \(n * 2))")
        let t = uninitialized(shape)
        if n > 0 { convertBFloat16(t.pointer, UnsafeRawPointer(bytes.baseAddress!), count: n) }
        return t
    }

    /// Converts IEEE half bytes (2 per value) to a new Float32 tensor.
    public static func float16(bytes: UnsafeRawBufferPointer, shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        precondition(bytes.count == n * 2, "Tensor.float16: \(bytes.count) bytes for shape \(shape) (need \(n * 2))")
        let t = uninitialized(shape)
        if n > 0 { convertFloat16(t.pointer, UnsafeRawPointer(bytes.baseAddress!), count: n) }
        return t
    }
}

extension Tensor {
    /// The values as little-endian Float32 bytes (4 per value), for writing checkpoints.
    public func float32Bytes() -> [UInt8] {
        withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
    }

    /// The values rounded to bfloat16 (to nearest, ties to even; NaN stays NaN), 2 bytes each.
    public func bfloat16Bytes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count * 2)
        out.withUnsafeMutableBytes { dst in
            withUnsafeBufferPointer { src in
                for (i, v) in src.enumerated() {
                    dst.storeBytes(of: bfloat16Bits(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            }
        }
        return out
    }

    /// The values rounded to IEEE half (F16C's round to nearest even), 2 bytes each.
    public func float16Bytes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count * 2)
        out.withUnsafeMutableBytes { dst in
            withUnsafeBufferPointer { src in
                for (i, v) in src.enumerated() {
                    dst.storeBytes(of: Float16(v).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            }
        }
        return out
    }
}

/// out[i] = the bfloat16 at src[2i..2i+1] widened to Float32 (its bits shifted into the high half).
/// `src` may be unaligned. out is (count), src is (2*count) bytes.
public func convertBFloat16(_ out: UnsafeMutablePointer<Float>, _ src: UnsafeRawPointer, count: Int) {
    var i = 0
    out.withMemoryRebound(to: UInt32.self, capacity: count) { bits in
        while i + 8 <= count {
            let h = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
            let w = SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16
            UnsafeMutableRawPointer(bits + i).storeBytes(of: w, as: SIMD8<UInt32>.self)
            i += 8
        }
        while i < count {
            bits[i] = UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16
            i += 1
        }
    }
}

/// out[i] = the IEEE half at src[2i..2i+1] as Float32 (F16C's vcvtph2ps with -mf16c).
/// `src` may be unaligned. out is (count), src is (2*count) bytes.
public func convertFloat16(_ out: UnsafeMutablePointer<Float>, _ src: UnsafeRawPointer, count: Int) {
    var i = 0
    while i + 8 <= count {
        let h = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<Float16>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: SIMD8<Float>(h), as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        out[i] = Float(src.loadUnaligned(fromByteOffset: 2 * i, as: Float16.self))
        i += 1
    }
}

/// The bfloat16 nearest to `value` (round to nearest, ties to even, as torch rounds); NaN
/// stays a quiet NaN.
func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(bits >> 16) | 0x0040 }
    return UInt16((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
}
