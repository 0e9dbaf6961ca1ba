/// One tensor of a pickled PyTorch checkpoint, copied out of Python once: row-major and
/// contiguous (views and strided tensors are gathered), little-endian.
public struct PickledTensor: Sendable, Equatable {
    /// Element types a state dict can hold, named as safetensors names them.
    public enum DType: String, Sendable, Equatable, CaseIterable {
        case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }
    }

    /// Float32 tensors arrive as `[Float]`, ready for the runtime; every other type keeps
    /// its raw little-endian bytes (F16/BF16 are read through views, not widened here).
    public enum Values: Sendable, Equatable {
        case float32([Float])
        case raw([UInt8])
    }

    /// Dotted path in the checkpoint: "model.layers.0.self_attn.q_proj.weight"; nested
    /// dicts and lists join with "." ("state_dict.lm_head.weight", "layers.0").
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var values: Values

    public init(name: String, dtype: DType, shape: [Int], values: Values) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The values widened (or narrowed, for F64 and integers) to Float.
    public func floatValues() -> [Float] {
        switch values {
        case .float32(let v): return v
        case .raw(let bytes): return Self.widen(bytes, dtype)
        }
    }

    static func widen(_ b: [UInt8], _ dtype: DType) -> [Float] {
        let n = b.count / dtype.size
        func u16(_ i: Int) -> UInt16 { UInt16(b[2 * i]) | UInt16(b[2 * i + 1]) << 8 }
        func u32(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[4 * i + $1]) << (8 * $1) } }
        func u64(_ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[8 * i + $1]) << (8 * $1) } }
        switch dtype {
        case .f32: return (0..<n).map { Float(bitPattern: u32($0)) }
        case .f64: return (0..<n).map { Float(Double(bitPattern: u64($0))) }
        case .f16: return (0..<n).map { Float(Float16(bitPattern: u16($0))) }
        case .bf16: return (0..<n).map { Float(bitPattern: UInt32(u16($0)) << 16) }
        case .i64: return (0..<n).map { Float(Int64(bitPattern: u64($0))) }
        case .i32: return (0..<n).map { Float(Int32(bitPattern: u32($0))) }
        case .i16: return (0..<n).map { Float(Int16(bitPattern: u16($0))) }
        case .i8: return b.map { Float(Int8(bitPattern: $0)) }
        case .u8, .bool: return b.map { Float($0) }
        }
    }
}

/// Everything a pickled checkpoint held that we could import.
public struct PickleCheckpoint: Sendable, Equatable {
    /// In the order the pickle lists them.
    public var tensors: [PickledTensor]
    /// Paths of values that are not tensors (epoch counters, config strings...), left out.
    public var skipped: [String]

    public init(tensors: [PickledTensor], skipped: [String]) {
        self.tensors = tensors
        self.skipped = skipped
    }

    /// The tensor named `name`, if present.
    public subscript(name: String) -> PickledTensor? { tensors.first { $0.name == name } }
}

/// Why a pickled checkpoint could not be imported. Every case names the file.
public enum PickleCheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// This build has no embedded Python.
    case bridgeUnavailable(path: String)
    /// The pickle asked for a global outside the state-dict allow-list; nothing of it ran.
    case refusedGlobal(path: String, module: String, name: String)
    /// Not a PyTorch checkpoint, or a malformed one (reason says which part).
    case malformed(path: String, reason: String)
    /// The embedded interpreter could not start.
    case interpreterUnavailable(reason: String)

    public var description: String {
        switch self {
        case .bridgeUnavailable(let path):
            return "\(path): pickled PyTorch checkpoints (.bin/.pt) need the Python bridge, which this build leaves out; "
                + "rebuild with the default traits (swift build, without --disable-default-traits) or "
                + "convert the file to safetensors"
        case let .refusedGlobal(path, module, name):
            return "\(path): refused to unpickle \(module).\(name): a state dict only needs tensors, storages and "
                + "OrderedDict, and this file asks for more (it may run code); nothing was executed"
        case let .malformed(path, reason):
            return "\(path): not a readable PyTorch checkpoint: \(reason)"
        case .interpreterUnavailable(let reason):
            return "the embedded Python interpreter did not start: \(reason)"
        }
    }
}
