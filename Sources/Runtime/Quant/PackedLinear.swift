/// A frozen linear layer over any packed weight (GGUF blocks from a checkpoint, for one):
/// y = x W^T + b with W decoded tile by tile inside the product. It lets a quantized GGUF
/// model be the frozen base of LoRA training without a Float32 copy of its projections.
public final class PackedLinear: Module, PackedLinearLayer {
    public let weight: any PackedWeight
    public var packedWeight: any PackedWeight { weight }
    public var inFeatures: Int { weight.inFeatures }
    public var outFeatures: Int { weight.outFeatures }
    public var bias: Tensor? { parameter("bias") }

    public init(weight: any PackedWeight, bias: Tensor? = nil) {
        precondition(bias == nil || bias!.shape == [weight.outFeatures],
                     "PackedLinear: bias \(bias!.shape) for \(weight.outFeatures) outputs")
        self.weight = weight
        super.init()
        setParameter("bias", bias?.detached())
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        packedLinear(x, weight: weight, bias: bias)
    }
}
