/// A lookup table: ids -> rows of `weight` [V, C].
public final class Embedding: Module {
    public var weight: Tensor { parameter("weight")! }

    /// Initialized N(0, 1) like torch.
    public init(_ count: Int, _ dim: Int, generator: inout SeededGenerator) {
        super.init()
        setParameter("weight", .randn([count, dim], generator: &generator, requiresGrad: true))
    }

    public init(weight: Tensor) {
        super.init()
        setParameter("weight", weight)
    }

    /// ids (N) -> [N, C].
    public func callAsFunction(_ ids: [Int]) -> Tensor { embedding(ids, table: weight) }
}

/// LayerNorm over the last axis with weight (ones) and bias (zeros) of [C].
public final class LayerNorm: Module {
    public let eps: Float
    public var weight: Tensor? { parameter("weight") }
    public var bias: Tensor? { parameter("bias") }
    public override var exemptFromWeightDecay: Bool { true }

    public init(_ dim: Int, eps: Float = 1e-5, affine: Bool = true, bias: Bool = true) {
        self.eps = eps
        super.init()
        if affine {
            setParameter("weight", .ones([dim], requiresGrad: true))
            if bias { setParameter("bias", .zeros([dim], requiresGrad: true)) }
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }
}

/// RMSNorm (Llama) over the last axis with weight [C] initialized to ones.
public final class RMSNorm: Module {
    public let eps: Float
    public var weight: Tensor { parameter("weight")! }
    public override var exemptFromWeightDecay: Bool { true }

    public init(_ dim: Int, eps: Float = 1e-6) {
        self.eps = eps
        super.init()
        setParameter("weight", .ones([dim], requiresGrad: true))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { rmsNorm(x, weight: weight, eps: eps) }
}

/// Inverted dropout, active only in training mode, with its own seeded stream (saved with a
/// checkpoint through `generator` so a resumed run draws the same masks). Give every dropout
/// its own stream, e.g. `rng.derived(layerIndex)`, or all of them draw the same masks.
public final class Dropout: Module {
    public let p: Float
    public var generator: SeededGenerator

    public init(_ p: Float, generator: SeededGenerator) {
        precondition(p >= 0 && p < 1, "Dropout: probability \(p) must be in [0, 1)")
        self.p = p
        self.generator = generator
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard isTraining, p > 0 else { return x }
        return x.dropout(p: p, generator: &generator)
    }
}

/// An ordered list of modules named "0", "1", ... (torch's ModuleList, e.g. `model.layers`).
public final class ModuleList: Module {
    public init(_ modules: [Module] = []) {
        super.init()
        for m in modules { append(m) }
    }

    public func append(_ module: Module) { setChild(String(children.count), module) }

    public var count: Int { children.count }

    /// The i-th module as type M.
    public subscript<M>(_ i: Int, as type: M.Type = M.self) -> M { child(String(i), as: type) }
}
