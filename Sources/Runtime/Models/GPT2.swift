/// GPT-2 (`gpt2`, `distilgpt2`, `gpt2-medium`, ...): learned positions, pre-LayerNorm blocks,
/// one fused `c_attn` projection, GELU (tanh) MLP, head tied to the token embedding.
///
/// Parameter names are HF's (`transformer.h.0.attn.c_attn.weight`), but every projection is a
/// `Linear` with weight [out, in]: HF's Conv1D stores [in, out], and the loader transposes.
public final class GPT2Model: Module, CausalLM {
    public let config: ModelConfig
    /// Fused attention kernels (default) or their composed twin.
    public var kernels = ModelKernels.fused

    public init(config: ModelConfig, generator: inout SeededGenerator) {
        self.config = config
        super.init()
        let c = config.hiddenSize
        let transformer = Module()
        transformer.setChild("wte", Embedding(config.vocabSize, c, generator: &generator))
        transformer.setChild("wpe", Embedding(config.maxPositionEmbeddings, c, generator: &generator))
        transformer.setChild("h", ModuleList((0..<config.numHiddenLayers).map { _ in GPT2Block(config, generator: &generator) }))
        transformer.setChild("ln_f", LayerNorm(c, eps: Float(config.normEpsilon)))
        setChild("transformer", transformer)
    }

    private var transformer: Module { child("transformer") }
    public var headWeight: Tensor { transformer.child("wte", as: Embedding.self).weight }

    public func hiddenStates(_ batch: ModelInput, cache: KVCache?) -> Tensor {
        precondition(batch.positions.allSatisfy { $0 < config.maxPositionEmbeddings },
                     "GPT-2: position beyond n_positions \(config.maxPositionEmbeddings)")
        let tokens = transformer.child("wte", as: Embedding.self)(batch.ids)
        let positions = transformer.child("wpe", as: Embedding.self)(batch.positions)
        var x = (tokens + positions).reshaped([batch.batch, batch.length, config.hiddenSize])
        for (layer, block) in transformer.child("h", as: ModuleList.self).children.enumerated() {
            x = (block.module as! GPT2Block)(x, sequenceIds: batch.sequenceIds, cache: cache, layer: layer, kernels: kernels)
        }
        cache?.commit(batch.length)
        return transformer.child("ln_f", as: LayerNorm.self)(x)
    }

    /// HF names of the Conv1D weights, stored [in, out] in GPT-2 checkpoints.
    public static func isConv1DWeight(_ name: String) -> Bool {
        name.hasSuffix("attn.c_attn.weight") || name.hasSuffix("attn.c_proj.weight")
            || name.hasSuffix("mlp.c_fc.weight") || name.hasSuffix("mlp.c_proj.weight")
    }
}

final class GPT2Block: Module {
    let heads: Int
    let activation: Activation

    init(_ config: ModelConfig, generator: inout SeededGenerator) {
        heads = config.numAttentionHeads
        activation = config.hiddenAct == "relu" ? .relu : (config.hiddenAct == "gelu" ? .gelu : .geluTanh)
        super.init()
        let c = config.hiddenSize, eps = Float(config.normEpsilon)
        setChild("ln_1", LayerNorm(c, eps: eps))
        let attn = Module()
        attn.setChild("c_attn", Linear(c, 3 * c, generator: &generator))
        attn.setChild("c_proj", Linear(c, c, generator: &generator))
        setChild("attn", attn)
        setChild("ln_2", LayerNorm(c, eps: eps))
        let mlp = Module()
        mlp.setChild("c_fc", Linear(c, config.intermediateSize, generator: &generator))
        mlp.setChild("c_proj", Linear(config.intermediateSize, c, generator: &generator))
        setChild("mlp", mlp)
    }

    /// x [B, T, C] -> [B, T, C].
    func callAsFunction(_ x: Tensor, sequenceIds: [Int]?, cache: KVCache?, layer: Int, kernels: ModelKernels) -> Tensor {
        let (B, T, C) = (x.shape[0], x.shape[1], x.shape[2])
        let attn: Module = child("attn"), mlp: Module = child("mlp")
        let qkvProjection: any LinearLayer = attn.child("c_attn"), outProjection: any LinearLayer = attn.child("c_proj")
        let upProjection: any LinearLayer = mlp.child("c_fc"), downProjection: any LinearLayer = mlp.child("c_proj")
        let ln1: LayerNorm = child("ln_1"), ln2: LayerNorm = child("ln_2")
        let qkv = qkvProjection.callAsFunction(ln1(x)).split(lastAxis: [C, C, C]).map { $0.reshaped([B, T, heads, C / heads]) }
        let past = cache?.length ?? 0
        let (k, v) = cache?.append(layer: layer, k: qkv[1], v: qkv[2]) ?? (qkv[1], qkv[2])
        let mixed = causalAttention(q: qkv[0], keys: k, values: v, sequenceIds: sequenceIds, past: past, kernels: kernels)
            .reshaped([B, T, -1])
        let h = x + outProjection.callAsFunction(mixed)
        let up = upProjection.callAsFunction(ln2(h)).activation(activation)
        return h + downProjection.callAsFunction(up)
    }
}
