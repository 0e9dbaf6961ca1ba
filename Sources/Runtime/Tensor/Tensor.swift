/// An n-dimensional array of Float32, contiguous and row-major, that can take part in autograd.
///
/// A tensor is a reference to (storage, offset, shape). Reshapes and slices of the leading axis
/// are views that share storage; every other op writes a new contiguous tensor, so kernels only
/// ever see dense row-major buffers. Identity matters: gradients are keyed by the tensor object
/// (`grads[weight]`), so a parameter is one `Tensor` object that lives as long as its module.
///
/// Autograd (candle-style): an op records a graph node only when one of its inputs has
/// `requiresGrad` and no `withNoGrad` scope is active, so inference builds no graph. Parameters are
/// plain tensors with `requiresGrad = true`; freezing sets it to false. `scalars` and `item` read
/// values for tests and logging.
public final class Tensor: @unchecked Sendable {
    /// Sizes of each axis; `[]` is a scalar (one value).
    public let shape: [Int]
    /// The shared buffer; this tensor's values start at `offset`. (A `var` only so uniqueness
    /// can be asked of it; it is never reassigned.)
    public internal(set) var storage: TensorStorage
    /// Index of this tensor's first value inside `storage`.
    public let offset: Int
    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs); an op's
    /// result has it when the op was recorded.
    public var requiresGrad: Bool
    /// The op that produced this tensor, when it was recorded for backward. Mutable only so a
    /// long graph can be torn down iteratively (see `AutogradNode.deinit`).
    var node: AutogradNode?

    /// Number of values (product of `shape`, 1 for a scalar).
    public let count: Int

    init(shape: [Int], storage: TensorStorage, offset: Int = 0, node: AutogradNode? = nil, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        let n = shape.reduce(1, *)
        precondition(offset >= 0 && offset + n <= storage.count || n == 0,
                     "Tensor: shape \(shape) at offset \(offset) exceeds storage of \(storage.count) values")
        self.shape = shape
        self.storage = storage
        self.offset = offset
        self.node = node
        self.requiresGrad = requiresGrad || node != nil
        self.count = n
    }

    /// Copies `values` into a new tensor of `shape`.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        let n = shape.reduce(1, *)
        precondition(values.count == n, "Tensor: \(values.count) values do not fill shape \(shape) (\(n))")
        let s = TensorStorage(count: n, zeroed: false)
        values.withUnsafeBufferPointer { src in
            if n > 0 { s.pointer.update(from: src.baseAddress!, count: n) }
        }
        self.init(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// A scalar tensor (shape `[]`).
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// A tensor that views `storage` from `offset` with `shape`; no copy.
    public convenience init(storage: TensorStorage, shape: [Int], offset: Int = 0) {
        self.init(shape: shape, storage: storage, offset: offset)
    }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// Size of the last axis (1 for a scalar).
    public var lastDim: Int { shape.last ?? 1 }

    /// Number of rows when the tensor is seen as a matrix [count / lastDim, lastDim].
    public var rowCount: Int { lastDim == 0 ? 0 : count / lastDim }

    /// First value; read and write only through the `with...` accessors or inside kernels.
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// A copy of all values in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "Tensor.item: tensor of shape \(shape) has \(count) values")
        return pointer.pointee
    }

    /// Reads the values in place.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Writes the values in place (optimizer updates, weight loading). Refused for read-only
    /// (memory-mapped) storage. Writing through a view writes the viewed tensor too.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(!storage.isReadOnly, "Tensor: in-place write to read-only (external) storage, shape \(shape)")
        return try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// A new tensor with its own storage and the same values; not connected to the graph.
    public func copy() -> Tensor {
        let s = TensorStorage(count: count, zeroed: false)
        if count > 0 { s.pointer.update(from: pointer, count: count) }
        return Tensor(shape: shape, storage: s)
    }

    /// The same values (shared storage) cut off from the graph: no gradient flows through.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, offset: offset)
    }

    /// Whether two tensors are the same object (the identity gradients are keyed by).
    public func isIdentical(to other: Tensor) -> Bool { self === other }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = count <= 8 ? scalars.map { "\($0)" }.joined(separator: ", ")
            : (scalars.prefix(6).map { "\($0)" } + ["..."]).joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)]\(requiresGrad ? ", requiresGrad" : ""))"
    }
}
