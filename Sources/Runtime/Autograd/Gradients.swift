/// Gradients returned by `backward()`, keyed by tensor identity: `grads[weight]`.
///
/// Only leaves that require a gradient (parameters, inputs marked `requiresGrad`) appear.
/// Accumulation over micro-batches is explicit: `total += grads` (or `accumulate`), so nothing is
/// summed behind the caller's back.
public struct Gradients: Sendable {
    private var entries: [ObjectIdentifier: (tensor: Tensor, gradient: Tensor)] = [:]

    public init() {}

    /// The gradient of `tensor`, or nil when it received none.
    public subscript(_ tensor: Tensor) -> Tensor? {
        get { entries[ObjectIdentifier(tensor)]?.gradient }
        set {
            if let newValue {
                precondition(newValue.shape == tensor.shape, "Gradients: gradient shape \(newValue.shape) for tensor of shape \(tensor.shape)")
                entries[ObjectIdentifier(tensor)] = (tensor, newValue)
            } else {
                entries[ObjectIdentifier(tensor)] = nil
            }
        }
    }

    /// Number of tensors with a gradient.
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The tensors that have gradients (in no particular order).
    public var tensors: [Tensor] { entries.values.map(\.tensor) }

    /// Adds `gradient` to the gradient of `tensor` (a new tensor; inputs are never written).
    public mutating func accumulate(_ gradient: Tensor, for tensor: Tensor) {
        if let old = self[tensor] {
            self[tensor] = withNoGrad { old + gradient }
        } else {
            self[tensor] = gradient
        }
    }

    /// Adds every gradient of `other` into this one.
    public mutating func accumulate(_ other: Gradients) {
        for (t, g) in other.entries.values { accumulate(g, for: t) }
    }

    public static func += (lhs: inout Gradients, rhs: Gradients) { lhs.accumulate(rhs) }

    public static func + (lhs: Gradients, rhs: Gradients) -> Gradients {
        var sum = lhs
        sum.accumulate(rhs)
        return sum
    }

    /// Every gradient multiplied by `factor` (for example 1 / supervised tokens of a batch).
    public func scaled(by factor: Float) -> Gradients {
        var out = Gradients()
        withNoGrad {
            for (t, g) in entries.values { out[t] = g * factor }
        }
        return out
    }

    /// Multiplies every gradient by `factor` in place (gradients own their storage).
    public mutating func scale(by factor: Float) {
        self = scaled(by: factor)
    }

    /// The L2 norm of all gradients together (what global-norm clipping measures).
    public var globalNorm: Float {
        var total = 0.0
        for (_, g) in entries.values { total += g.withUnsafeBufferPointer { sumOfSquares($0.baseAddress!, count: $0.count) } }
        return Float(total.squareRoot())
    }
}
