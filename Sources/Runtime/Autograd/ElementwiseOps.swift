/// Differentiable elementwise arithmetic with NumPy broadcasting (see `BroadcastPlan`).
extension Tensor {
    /// Runs F over broadcast operands into a new tensor (no recording).
    static func broadcastBinary<F: ElementwiseBinary>(_ f: F.Type, _ a: Tensor, _ b: Tensor) -> Tensor {
        let plan = BroadcastPlan(a.shape, b.shape)
        let ea = plan.needsExpansion[0] ? a.expandedValues(to: plan.outShape) : a
        let eb = plan.needsExpansion[1] ? b.expandedValues(to: plan.outShape) : b
        let out = Tensor.uninitialized(plan.outShape)
        if out.count > 0 {
            binaryForward(f, out.pointer, ea.pointer, plan.layouts[0], eb.pointer, plan.layouts[1], rows: plan.rows, cols: plan.cols)
        }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { result(broadcastBinary(AddFunction.self, a, b), .add, [a, b]) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { result(broadcastBinary(SubFunction.self, a, b), .sub, [a, b]) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { result(broadcastBinary(MulFunction.self, a, b), .mul, [a, b]) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { result(broadcastBinary(DivFunction.self, a, b), .div, [a, b]) }

    /// x * scale + shift in one pass.
    public func affine(scale: Float, shift: Float = 0) -> Tensor {
        let out = Tensor.uninitialized(shape)
        affineForward(out.pointer, pointer, scale: scale, shift: shift, count: count)
        return Tensor.result(out, .affine(scale: scale, shift: shift), [self])
    }

    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1 / s) }
    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s) }
    public static prefix func - (a: Tensor) -> Tensor { a.affine(scale: -1) }

    /// Applies a pointwise function (GELU, SiLU, exp, ...).
    public func activation(_ f: Activation) -> Tensor {
        let out = Tensor.uninitialized(shape)
        activationForward(f, out.pointer, pointer, count: count)
        return Tensor.result(out, .activation(f), [self])
    }

    /// GELU with the exact erf (torch's "gelu").
    public func gelu() -> Tensor { activation(.gelu) }
    /// GELU's tanh approximation ("gelu_new" / "gelu_pytorch_tanh").
    public func geluTanh() -> Tensor { activation(.geluTanh) }
    /// x * sigmoid(x).
    public func silu() -> Tensor { activation(.silu) }
    public func relu() -> Tensor { activation(.relu) }
    public func exp() -> Tensor { activation(.exp) }
    public func log() -> Tensor { activation(.log) }

    /// Masks values with a fresh seeded mask: each is zeroed with probability p and the rest are
    /// scaled by 1/(1-p). p == 0 returns self.
    public func dropout(p: Float, generator: inout SeededGenerator) -> Tensor {
        if p == 0 { return self }
        let mask = Tensor.uninitialized(shape)
        dropoutMask(mask.pointer, count: count, p: p, generator: &generator)
        let out = Tensor.broadcastBinary(MulFunction.self, self, mask)
        return Tensor.result(out, .dropout(mask: mask), [self])
    }
}

/// silu(gate) * up elementwise (the Llama MLP's gating); gate and up have the same shape.
public func swiglu(gate: Tensor, up: Tensor) -> Tensor {
    precondition(gate.shape == up.shape, "swiglu: gate \(gate.shape) and up \(up.shape) differ")
    let out = Tensor.uninitialized(gate.shape)
    swigluForward(out.pointer, gate.pointer, up.pointer, count: gate.count)
    return Tensor.result(out, .swiglu, [gate, up])
}
