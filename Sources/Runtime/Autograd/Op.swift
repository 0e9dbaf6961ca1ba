/// Every differentiable op, with what its backward rule needs that is not an input or the output.
/// Adding an op = a case here, a forward function that calls `Tensor.result`, and one arm in
/// `backwardRule` (BackwardRules.swift). Layers above (quantized linears, LoRA) that cannot add a
/// case use `.custom` through `Tensor.custom(...)`.
enum Op {
    case add, sub, mul, div          // [a, b], broadcasting
    case affine(scale: Float, shift: Float)  // [x]: x * scale + shift
    case matmul(transposeA: Bool, transposeB: Bool, batch: Int, bShared: Bool)  // [a, b]
    case linear                      // [x, weight] or [x, weight, bias]
    case sumLastAxis(scale: Float)   // [x]: sum (scale 1) or mean (scale 1/n)
    case maxLastAxis(argmax: [Int32])
    case reshape                     // [x]: a view
    case rows(start: Int)            // [x]: a view of x[start..<start+n] along the leading axis
    case permute([Int])              // [x]
    case concatLastAxis              // [pieces...]
    case sliceLastAxis(start: Int)   // [x]
    case softmax, logSoftmax         // [x]; backward uses the output
    case layerNorm(mean: [Float], rstd: [Float], hasWeight: Bool, hasBias: Bool)  // [x, weight?, bias?]
    case rmsNorm(rstd: [Float], hasWeight: Bool)   // [x, weight?]
    case activation(Activation)      // [x]
    case swiglu                      // [gate, up]
    case embedding(ids: [Int])       // [table]
    case crossEntropy(labels: [Int], lse: [Float])  // [logits] -> scalar sum
    case dropout(mask: Tensor)       // [x]
    case custom(CustomBackward)
}

/// A backward rule supplied from outside this folder, for ops defined by other layers.
/// `backward(gradOutput, inputs, output)` returns one gradient per input (nil where none is
/// needed), each with that input's shape; it runs with recording off.
public struct CustomBackward: Sendable {
    public let name: String
    public let backward: @Sendable (_ gradOutput: Tensor, _ inputs: [Tensor], _ output: Tensor) -> [Tensor?]

    public init(name: String, backward: @escaping @Sendable (_ gradOutput: Tensor, _ inputs: [Tensor], _ output: Tensor) -> [Tensor?]) {
        self.name = name
        self.backward = backward
    }
}

/// The record of one op application: what it was and which tensors it read.
final class AutogradNode: @unchecked Sendable {
    let op: Op
    private(set) var inputs: [Tensor]

    init(op: Op, inputs: [Tensor]) {
        self.op = op
        self.inputs = inputs
    }

    /// Releases the graph below this node with a loop instead of recursion: a chain of thousands
    /// of ops would otherwise overflow the stack through nested deinits.
    deinit {
        var pending = inputs
        inputs = []
        while var t = pending.popLast() {
            guard isKnownUniquelyReferenced(&t), var node = t.node else { continue }
            t.node = nil
            if isKnownUniquelyReferenced(&node) {
                pending += node.inputs
                node.inputs = []
            }
        }
    }
}

extension Tensor {
    /// Wraps a freshly computed output: records `op` when recording is on and some input needs
    /// a gradient, otherwise returns a plain tensor (no graph in inference).
    static func result(_ output: Tensor, _ op: @autoclosure () -> Op, _ inputs: [Tensor]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        return Tensor(shape: output.shape, storage: output.storage, offset: output.offset,
                      node: AutogradNode(op: op(), inputs: inputs))
    }

    /// Makes an op defined outside Autograd differentiable: `output` was computed from `inputs`
    /// without recording; the result has `output`'s values and, when needed, a node whose
    /// gradients come from `backward`. Wrapping an llm.c-style kernel pair looks like:
    ///
    ///     let out = Tensor.uninitialized(x.shape)
    ///     var cache = [Float](repeating: 0, count: x.rowCount)          // what backward needs
    ///     myForward(out.pointer, &cache, x.pointer, rows: x.rowCount, C: x.lastDim)
    ///     return Tensor.custom(name: "my", inputs: [x], output: out) { [cache] g, inputs, _ in
    ///         let dx = Tensor.zeros(inputs[0].shape)                     // backward kernels +=
    ///         myBackward(dx.pointer, g.pointer, inputs[0].pointer, cache, rows: g.rowCount, C: g.lastDim)
    ///         return [dx]
    ///     }
    public static func custom(name: String, inputs: [Tensor], output: Tensor,
                              backward: @escaping @Sendable (_ gradOutput: Tensor, _ inputs: [Tensor], _ output: Tensor) -> [Tensor?]) -> Tensor {
        result(output, .custom(CustomBackward(name: name, backward: backward)), inputs)
    }
}
