/// A linear layer with a low-rank update: y = base(x) + scale * B(A(dropout(x))), where A is
/// [r, in] and B is [out, r]. The base stays frozen; only A and B (and biases, per the
/// config's `bias`) train. Children are named as PEFT names them, so parameter names are
/// `...q_proj.base_layer.weight`, `...q_proj.lora_A.weight`, `...q_proj.lora_B.weight`.
///
///     let lora = LoRALinear(wrapping: qProj, config: LoRAConfig(r: 16, alpha: 32))
///     try model.replace(path: "model.layers.0.self_attn.q_proj", with: lora)
public final class LoRALinear: Module, LinearLayer {
    public let config: LoRAConfig
    public var generator: SeededGenerator

    /// PEFT's init: A kaiming-uniform (a = √5, the bound of torch's Linear), B zero, so the
    /// wrapped layer starts out computing exactly what the base did.
    public init(wrapping base: any LinearLayer, config: LoRAConfig, generator: inout SeededGenerator) {
        self.config = config
        self.generator = SeededGenerator(seed: generator.next())
        super.init()
        setChild("base_layer", base)
        let a = Linear(base.inFeatures, config.r, bias: false, generator: &generator)
        setChild("lora_A", a)
        setChild("lora_B", Linear(weight: Tensor.zeros([base.outFeatures, config.r], requiresGrad: true)))
    }

    public var base: any LinearLayer { child("base_layer") }
    public var loraA: Linear { child("lora_A") }
    public var loraB: Linear { child("lora_B") }
    public var inFeatures: Int { base.inFeatures }
    public var outFeatures: Int { base.outFeatures }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let p = Float(config.dropout)
        var dropped = x
        if isTraining && p > 0 {
            // Inside a data-parallel shard the shard's fork of this layer's stream is used, so
            // two shards never advance `generator` at once.
            if let shard = ShardRandomness.current {
                dropped = shard.withGenerator(for: self, base: generator) { x.dropout(p: p, generator: &$0) }
            } else {
                dropped = x.dropout(p: p, generator: &generator)
            }
        }
        // The scale multiplies the r-wide product, not the out-wide update: the same value, a
        // pass over [rows, r] instead of [rows, out] forward and backward.
        let update = linear(linear(dropped, weight: loraA.weight) * config.scale, weight: loraB.weight)
        return base.callAsFunction(x) + update
    }

    /// scale * B A: the [out, in] change this adapter makes to the base weight.
    public func deltaWeight() -> Tensor {
        withNoGrad { matmul(loraB.weight, loraA.weight) * config.scale }
    }
}
