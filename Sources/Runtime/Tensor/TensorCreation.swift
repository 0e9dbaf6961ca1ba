/// Factories: constant fills, ranges and seeded random tensors.
extension Tensor {
    /// A new tensor of `shape` with undefined contents, for kernels that write every value
    /// (skips the zeroing pass of `zeros`).
    public static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), zeroed: false))
    }

    /// All zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// All ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(1, shape, requiresGrad: requiresGrad)
    }

    /// Every value equal to `value`.
    public static func full(_ value: Float, _ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        let t = uninitialized(shape)
        t.pointer.update(repeating: value, count: t.count)
        t.requiresGrad = requiresGrad
        return t
    }

    /// 0, 1, ..., n-1 as a 1-D tensor.
    public static func arange(_ n: Int) -> Tensor {
        arange(start: 0, end: Float(n), step: 1)
    }

    /// start, start+step, ... while below `end` (above it for a negative step), like torch.arange.
    public static func arange(start: Float, end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "Tensor.arange: step must not be 0")
        let n = max(0, Int(((end - start) / step).rounded(.up)))
        let t = uninitialized([n])
        for i in 0..<n { t.pointer[i] = start + Float(i) * step }
        return t
    }

    /// Normal values with `mean` and `std`, drawn from `generator` in row-major order.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1,
                             generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = uninitialized(shape)
        t.requiresGrad = requiresGrad
        if RandomInitialization.isSkipped { return t }
        for i in 0..<t.count { t.pointer[i] = mean + std * generator.nextNormal() }
        return t
    }

    /// Uniform values in [low, high), drawn from `generator` in row-major order.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = uninitialized(shape)
        t.requiresGrad = requiresGrad
        if RandomInitialization.isSkipped { return t }
        let width = high - low
        for i in 0..<t.count { t.pointer[i] = low + width * generator.nextUniform() }
        return t
    }
}

/// Building a network whose every parameter a checkpoint is about to replace need not draw
/// random values for them (torch's `init_empty_weights` idea): inside `skipping`, `randn` and
/// `uniform` return uninitialized tensors. Loading SmolLM2 spent most of its time in
/// Box-Muller for a 28M-value embedding it then threw away; untouched pages also never count
/// toward the resident set.
public enum RandomInitialization {
    @TaskLocal fileprivate static var skipped = false

    /// Whether random parameter values are being skipped now.
    public static var isSkipped: Bool { skipped }

    /// Runs `body` with random initialization skipped; only for code that then overwrites every
    /// value it created.
    public static func skipping<R>(_ body: () throws -> R) rethrows -> R {
        try $skipped.withValue(true) { try body() }
    }
}
