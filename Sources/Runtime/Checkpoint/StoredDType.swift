/// Element type of a tensor as stored in a checkpoint file: the safetensors dtypes (raw values)
/// and the GGUF block formats. Quantized types pack `blockSize` values into `blockBytes` bytes
/// along the innermost dimension (a row); plain types have blockSize 1.
public enum StoredDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
    case q4_0 = "Q4_0", q4_1 = "Q4_1", q8_0 = "Q8_0", q4_K = "Q4_K", q6_K = "Q6_K"

    /// Values per block (1 for plain types, 32 or 256 for GGUF blocks).
    public var blockSize: Int {
        switch self {
        case .q4_0, .q4_1, .q8_0: return 32
        case .q4_K, .q6_K: return 256
        default: return 1
        }
    }

    /// Bytes per block (the element size for plain types).
    public var blockBytes: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool: return 1
        case .q4_0: return 18
        case .q4_1: return 20
        case .q8_0: return 34
        case .q4_K: return 144
        case .q6_K: return 210
        }
    }

    public var isQuantized: Bool { blockSize > 1 }

    public var isInteger: Bool {
        switch self {
        case .i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8, .bool: return true
        default: return false
        }
    }

    /// Bytes needed for `elements` values, or nil when the count is not a whole number of
    /// blocks or the size overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }
}

/// Product of `shape`, or nil on a negative dimension or overflow.
func checkedElementCount(_ shape: [Int]) -> Int? {
    var total = 1
    for dim in shape {
        guard dim >= 0 else { return nil }
        let (product, overflow) = total.multipliedReportingOverflow(by: dim)
        if overflow { return nil }
        total = product
    }
    return total
}
