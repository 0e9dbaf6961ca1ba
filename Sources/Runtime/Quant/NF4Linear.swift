/// A frozen linear layer whose weight is stored in NF4 (QLoRA): y = x W^T + b with W decoded
/// tile by tile inside the product, never kept whole in Float32. Wrap it in `LoRALinear` to
/// train adapters over a 4-bit base.
///
///     let q = NF4Linear(quantizing: proj)           // double-quantized absmaxes, as QLoRA
///     try model.replace(path: "model.layers.0.mlp.up_proj", with: q)
public final class NF4Linear: Module, PackedLinearLayer {
    public let weight: NF4Weight
    public var packedWeight: any PackedWeight { weight }
    public var inFeatures: Int { weight.inFeatures }
    public var outFeatures: Int { weight.outFeatures }
    /// Bias [out] (Float32, frozen unless LoRA's `bias` setting unfreezes it).
    public var bias: Tensor? { parameter("bias") }

    public init(weight: NF4Weight, bias: Tensor? = nil) {
        precondition(bias == nil || bias!.shape == [weight.outFeatures],
                     "NF4Linear: bias \(bias!.shape) for \(weight.outFeatures) outputs")
        self.weight = weight
        super.init()
        setParameter("bias", bias?.detached())
    }

    /// Quantizes a plain layer's weight (any shape; see `NF4Weight`); the bias is kept.
    public convenience init(quantizing linear: Linear, doubleQuantize: Bool = true) {
        let w = linear.weight
        let packed = w.withUnsafeBufferPointer {
            NF4Weight(quantizing: $0, outFeatures: w.shape[0], inFeatures: w.shape[1], doubleQuantize: doubleQuantize)
        }
        self.init(weight: packed, bias: linear.bias)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        packedLinear(x, weight: weight, bias: bias)
    }
}
