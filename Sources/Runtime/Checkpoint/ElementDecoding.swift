import Foundation

/// Converts `count` stored values of `dtype` at `source` to Float32 at `destination`.
/// Quantized types need `count` to be a whole number of blocks (rows never split a block).
/// Source bytes may be unaligned (safetensors does not promise alignment).
func decodeElements(_ dtype: StoredDType, from source: UnsafeRawPointer, count: Int,
                    into destination: UnsafeMutablePointer<Float>) {
    switch dtype {
    case .f32: memcpy(destination, source, count * 4)
    case .f16: convertFloat16(destination, source, count: count)
    case .bf16: convertBFloat16(destination, source, count: count)
    case .f64: for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
    case .i64: for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
    case .u64: for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
    case .i32: for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
    case .u32: for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
    case .i16: for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
    case .u16: for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
    case .i8: for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: Int8.self)) }
    case .u8, .bool: for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: UInt8.self)) }
    case .q4_0: decodeQ4_0(from: source, count: count, into: destination)
    case .q4_1: decodeQ4_1(from: source, count: count, into: destination)
    case .q8_0: decodeQ8_0(from: source, count: count, into: destination)
    case .q4_K: decodeQ4_K(from: source, count: count, into: destination)
    case .q6_K: decodeQ6_K(from: source, count: count, into: destination)
    }
}

/// IEEE half to float; exact (every half is a float). With F16C enabled the conversion of
/// eight lanes compiles to one vcvtph2ps.
@inline(__always)
func halfToFloat(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

