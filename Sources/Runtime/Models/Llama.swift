/// The Llama family (Llama 2/3, SmolLM/SmolLM2, Mistral, Qwen2): RMSNorm, rotary positions
/// (with `rope_theta` and Llama-3 / linear scaling), grouped-query attention, SwiGLU MLP,
/// tied or untied head; Qwen2 has biases on q/k/v. Parameter names are HF's.
public final class LlamaModel: Module, CausalLM {
    public let config: ModelConfig
    let inverseFrequencies: [Double]
    /// Fused kernels (default) or their composed twins for attention and rotary embeddings.
    public var kernels = ModelKernels.fused
    /// Set by `loadCausalLMKeepingQuantizedWeights` when the checkpoint's head is block-quantized.
    public var packedHead: (any PackedWeight)?

    public init(config: ModelConfig, generator: inout SeededGenerator) {
        self.config = config
        inverseFrequencies = ropeInverseFrequencies(headDim: config.headDim, theta: config.ropeTheta, scaling: config.ropeScaling)
        super.init()
        let model = Module()
        model.setChild("embed_tokens", Embedding(config.vocabSize, config.hiddenSize, generator: &generator))
        model.setChild("layers", ModuleList((0..<config.numHiddenLayers).map { _ in LlamaBlock(config, generator: &generator) }))
        model.setChild("norm", RMSNorm(config.hiddenSize, eps: Float(config.normEpsilon)))
        setChild("model", model)
        if !config.tieWordEmbeddings {
            setChild("lm_head", Linear(config.hiddenSize, config.vocabSize, bias: false, generator: &generator))
        }
    }

    private var model: Module { child("model") }

    public var headWeight: Tensor {
        config.tieWordEmbeddings ? model.child("embed_tokens", as: Embedding.self).weight
            : child("lm_head", as: Linear.self).weight
    }

    public func hiddenStates(_ batch: ModelInput, cache: KVCache?) -> Tensor {
        let rotary = Rotation(positions: batch.positions, headDim: config.headDim, inverseFrequencies: inverseFrequencies,
                              kernels: kernels)
        var x = model.child("embed_tokens", as: Embedding.self)(batch.ids).reshaped([batch.batch, batch.length, config.hiddenSize])
        for (layer, block) in model.child("layers", as: ModuleList.self).children.enumerated() {
            x = (block.module as! LlamaBlock)(x, rotary: rotary, sequenceIds: batch.sequenceIds, cache: cache, layer: layer,
                                              kernels: kernels)
        }
        cache?.commit(batch.length)
        return model.child("norm", as: RMSNorm.self)(x)
    }
}

final class LlamaBlock: Module {
    let heads: Int
    let kvHeads: Int
    let headDim: Int

    init(_ config: ModelConfig, generator: inout SeededGenerator) {
        heads = config.numAttentionHeads
        kvHeads = config.numKeyValueHeads
        headDim = config.headDim
        super.init()
        let c = config.hiddenSize, eps = Float(config.normEpsilon)
        setChild("input_layernorm", RMSNorm(c, eps: eps))
        let attn = Module()
        attn.setChild("q_proj", Linear(c, heads * headDim, bias: config.qkvBias, generator: &generator))
        attn.setChild("k_proj", Linear(c, kvHeads * headDim, bias: config.qkvBias, generator: &generator))
        attn.setChild("v_proj", Linear(c, kvHeads * headDim, bias: config.qkvBias, generator: &generator))
        attn.setChild("o_proj", Linear(heads * headDim, c, bias: config.outputProjectionBias, generator: &generator))
        setChild("self_attn", attn)
        setChild("post_attention_layernorm", RMSNorm(c, eps: eps))
        let mlp = Module()
        mlp.setChild("gate_proj", Linear(c, config.intermediateSize, bias: config.mlpBias, generator: &generator))
        mlp.setChild("up_proj", Linear(c, config.intermediateSize, bias: config.mlpBias, generator: &generator))
        mlp.setChild("down_proj", Linear(config.intermediateSize, c, bias: config.mlpBias, generator: &generator))
        setChild("mlp", mlp)
    }

    /// x [B, T, C] -> [B, T, C].
    func callAsFunction(_ x: Tensor, rotary: Rotation, sequenceIds: [Int]?, cache: KVCache?, layer: Int,
                        kernels: ModelKernels) -> Tensor {
        let (B, T) = (x.shape[0], x.shape[1])
        let attn: Module = child("self_attn"), mlp: Module = child("mlp")
        // Layers that read one input run as one pass over it when their weights allow (decode).
        func projections(_ module: Module, _ names: [String], _ input: Tensor) -> [Tensor] {
            let layers: [any LinearLayer] = names.map { module.child($0) }
            return sharedInputPackedProducts(input, layers) ?? layers.map { $0.callAsFunction(input) }
        }
        func feed(_ name: String, _ input: Tensor) -> Tensor {
            let projection: any LinearLayer = mlp.child(name)
            return projection.callAsFunction(input)
        }
        let inputNorm: RMSNorm = child("input_layernorm"), postNorm: RMSNorm = child("post_attention_layernorm")
        let qkv = projections(attn, ["q_proj", "k_proj", "v_proj"], inputNorm(x))
        let q = rotary(qkv[0].reshaped([B, T, heads, headDim]))
        let k = rotary(qkv[1].reshaped([B, T, kvHeads, headDim]))
        let v = qkv[2].reshaped([B, T, kvHeads, headDim])
        let past = cache?.length ?? 0
        let (keys, values) = cache?.append(layer: layer, k: k, v: v) ?? (k, v)
        let mixed = causalAttention(q: q, keys: keys, values: values, sequenceIds: sequenceIds, past: past, kernels: kernels)
            .reshaped([B, T, -1])
        let outProjection: any LinearLayer = attn.child("o_proj")
        let h = x + outProjection.callAsFunction(mixed)
        let m = postNorm(h)
        let gateUp = projections(mlp, ["gate_proj", "up_proj"], m)
        return h + feed("down_proj", swiglu(gate: gateUp[0], up: gateUp[1]))
    }
}
