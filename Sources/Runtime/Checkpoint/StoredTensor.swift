/// One tensor as it sits in a checkpoint file: its bytes point into a mapped file kept alive by
/// `owner`. Nothing is converted until `decode(into:)`, which writes Float32 straight into the
/// caller's buffer, so loading copies each weight once.
///
/// `shape` is row-major, outermost first (the HF/PyTorch order); a row is the innermost
/// dimension, and quantized blocks never straddle rows. `rowOrder`, when set, says that row `r`
/// of the tensor is stored row `rowOrder[r]` (GGUF stores Llama's q/k projections with rows
/// permuted; undoing that is a row gather, exact for packed blocks too).
public struct StoredTensor: @unchecked Sendable {
    // @unchecked: `bytes` is a read-only view of memory that `owner` keeps mapped.
    public let name: String
    public let dtype: StoredDType
    public let shape: [Int]
    /// The tensor's bytes in stored order.
    public let bytes: UnsafeRawBufferPointer
    public let owner: any ByteStore
    public let rowOrder: [Int]?

    /// Builds a view; the caller has checked that `bytes` holds exactly shape x dtype.
    init(name: String, dtype: StoredDType, shape: [Int], bytes: UnsafeRawBufferPointer,
         owner: any ByteStore, rowOrder: [Int]? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
        self.owner = owner
        self.rowOrder = rowOrder
    }

    /// A tensor over bytes it owns (imported from elsewhere, e.g. a pickled checkpoint);
    /// `bytes` must hold exactly shape x dtype.
    public init(name: String, dtype: StoredDType, shape: [Int], owning bytes: [UInt8]) {
        let store = HeapBytes(bytes)
        precondition(dtype.byteCount(elements: shape.reduce(1, *)) == bytes.count,
                     "StoredTensor \(name): \(bytes.count) bytes for \(dtype.rawValue) \(shape)")
        self.init(name: name, dtype: dtype, shape: shape, bytes: store.bytes, owner: store)
    }

    public var elementCount: Int { shape.reduce(1, *) }
    /// Values per row (the innermost dimension; 1 for a scalar).
    public var rowLength: Int { shape.last ?? 1 }
    public var rowCount: Int { rowLength == 0 ? 0 : elementCount / rowLength }
    public var rowByteCount: Int { rowLength / dtype.blockSize * dtype.blockBytes }

    /// The packed bytes of row `row` in tensor order (after `rowOrder`): what a quantized
    /// matmul reads directly.
    public func rowBytes(_ row: Int) -> UnsafeRawBufferPointer {
        precondition(row >= 0 && row < rowCount, "row \(row) out of range for \(name) with shape \(shape)")
        let stored = rowOrder?[row] ?? row
        return UnsafeRawBufferPointer(rebasing: bytes[(stored * rowByteCount)..<((stored + 1) * rowByteCount)])
    }

    /// A view of the same bytes whose row `r` is this tensor's row `order[r]`.
    public func gatheringRows(_ order: [Int], name newName: String? = nil, shape newShape: [Int]? = nil) -> StoredTensor {
        precondition(order.count == rowCount && order.allSatisfy { $0 >= 0 && $0 < rowCount },
                     "row order of \(order.count) rows does not fit \(name) with shape \(shape)")
        let composed = rowOrder.map { current in order.map { current[$0] } } ?? order
        return StoredTensor(name: newName ?? name, dtype: dtype, shape: newShape ?? shape,
                            bytes: bytes, owner: owner, rowOrder: composed)
    }

    /// The same bytes under another name and shape with the same row length (a pure relabel).
    public func renamed(_ newName: String, shape newShape: [Int]? = nil) -> StoredTensor {
        let s = newShape ?? shape
        precondition(checkedElementCount(s) == elementCount && (s.last ?? 1) == rowLength,
                     "cannot view \(name) with shape \(shape) as \(s)")
        return StoredTensor(name: newName, dtype: dtype, shape: s, bytes: bytes, owner: owner, rowOrder: rowOrder)
    }

    /// Converts (or dequantizes) every value to Float32 into `destination`, which must hold
    /// `elementCount` floats.
    public func decode(into destination: UnsafeMutablePointer<Float>) {
        guard let base = bytes.baseAddress, elementCount > 0 else { return }
        guard let order = rowOrder else {
            decodeElements(dtype, from: base, count: elementCount, into: destination)
            return
        }
        let rowBytes = rowByteCount, n = rowLength
        for (row, stored) in order.enumerated() {
            decodeElements(dtype, from: base + stored * rowBytes, count: n, into: destination + row * n)
        }
    }

    /// Converts rows `rows` (tensor order) into `destination`, which must hold
    /// `rows.count * rowLength` floats: an embedding lookup reads only the rows it needs.
    public func decodeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows \(rows) out of range for \(name) with shape \(shape)")
        guard let base = bytes.baseAddress else { return }
        let n = rowLength, rowBytes = rowByteCount
        if rowOrder == nil {
            decodeElements(dtype, from: base + rows.lowerBound * rowBytes, count: rows.count * n, into: destination)
            return
        }
        for (i, row) in rows.enumerated() {
            decodeElements(dtype, from: base + (rowOrder?[row] ?? row) * rowBytes, count: n, into: destination + i * n)
        }
    }

    /// One row as Float32.
    public func row(_ row: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: rowLength) { buffer, initialized in
            if let p = buffer.baseAddress { decodeRows(row..<(row + 1), into: p) }
            initialized = rowLength
        }
    }

    /// All values as Float32 (tests and small tensors).
    public func floats() -> [Float] {
        [Float](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            if let p = buffer.baseAddress { decode(into: p) }
            initialized = elementCount
        }
    }

    /// All values as integers, for id tensors (I64, I32, ...); nil for float and quantized types.
    public func integers() -> [Int]? {
        guard dtype.isInteger else { return nil }
        guard let base = bytes.baseAddress else { return [] }
        let n = elementCount
        switch dtype {
        case .i64: return (0..<n).map { Int(base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
        case .u64: return (0..<n).map { Int(truncatingIfNeeded: base.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)) }
        case .i32: return (0..<n).map { Int(base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        case .u32: return (0..<n).map { Int(base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
        case .i16: return (0..<n).map { Int(base.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        case .u16: return (0..<n).map { Int(base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
        case .i8: return (0..<n).map { Int(base.load(fromByteOffset: $0, as: Int8.self)) }
        case .u8, .bool: return (0..<n).map { Int(base.load(fromByteOffset: $0, as: UInt8.self)) }
        default: return nil
        }
    }
}
