/// What every linear layer offers, so a model holds `any LinearLayer` and a wrapper (LoRA,
/// NF4, Int8) can stand in for a plain `Linear` through `Module.replace(path:with:)`.
public protocol LinearLayer: Module {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// x [..., inFeatures] -> [..., outFeatures].
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// torch's Linear: y = x W^T + b with `weight` [out, in] and optional `bias` [out].
///
///     let proj = Linear(576, 1536, bias: false, generator: &rng)
///     let y = proj(x)            // x [B, T, 576] -> [B, T, 1536]
public final class Linear: Module, LinearLayer {
    public let inFeatures: Int
    public let outFeatures: Int

    /// Weight [out, in].
    public var weight: Tensor { parameter("weight")! }
    /// Bias [out], when the layer has one.
    public var bias: Tensor? { parameter("bias") }

    /// Initialized like torch: weight and bias uniform in ±1/sqrt(in) (kaiming-uniform, a = √5).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        super.init()
        let bound = 1 / Float(max(inFeatures, 1)).squareRoot()
        setParameter("weight", .uniform([outFeatures, inFeatures], low: -bound, high: bound, generator: &generator, requiresGrad: true))
        if bias {
            setParameter("bias", .uniform([outFeatures], low: -bound, high: bound, generator: &generator, requiresGrad: true))
        }
    }

    /// Wraps existing tensors (loaded weights): weight [out, in], bias [out] or nil.
    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        super.init()
        setParameter("weight", weight)
        setParameter("bias", bias)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        linear(x, weight: weight, bias: bias)
    }
}
