// Hook of the Quant area: loading a GGUF checkpoint with its quantized projections kept packed.

/// A 2-D stored tensor [out, in] is a packed weight: its rows decode on demand (GGUF blocks
/// never straddle rows).
extension StoredTensor: PackedWeight {
    public var outFeatures: Int { shape.count == 2 ? shape[0] : rowCount }
    public var inFeatures: Int { rowLength }
    public var byteCount: Int { rowCount * rowByteCount }

    /// The blocks rearranged for decode products (Q4_0, Q4_1, Q8_0 matrices); nil for other types.
    public func decodeLayout() -> DecodeBlockWeight? {
        guard let format = BlockDotFormat(dtype), shape.count == 2, rowLength % 32 == 0 else { return nil }
        return DecodeBlockWeight(format: format, rows: rowCount, columns: rowLength) { rowBytes($0).baseAddress! }
    }

    /// The weight a packed model keeps: the decode layout when the format has one, else these blocks.
    func packedForDecode() -> any PackedWeight { decodeLayout() ?? self }
}

/// Builds the network a checkpoint describes like `loadCausalLM`, but every linear layer whose
/// checkpoint weight is block-quantized (GGUF Q4_0, Q4_1, Q8_0, Q4_K, Q6_K) becomes a frozen
/// `PackedLinear` over its blocks: Q4_0, Q4_1 and Q8_0 rearranged once into the decode layout
/// (`DecodeBlockWeight`, the same bytes, copied out of the mapped file), the K formats read from
/// the mapped file. Embeddings, norms, biases and unquantized weights are decoded to Float32 (so
/// are all of GPT-2's, whose Conv1D weights are stored transposed); a block-quantized head is
/// also kept packed as the Llama family's `packedHead`, which generation reads. Returns the model
/// and the packed paths. The model is first built without drawing its values
/// (`RandomInitialization.skipping`), so the Float32 projections it replaces are allocated but
/// never touched: they never become resident. Apply LoRA afterwards to train adapters over the
/// quantized base.
public func loadCausalLMKeepingQuantizedWeights(_ checkpoint: ModelCheckpoint) throws -> (model: any CausalLM, packedPaths: [String]) {
    // Every parameter is replaced below (a missing one is an error), so none is drawn.
    let model = RandomInitialization.skipping { makeCausalLM(config: checkpoint.config) }
    func stored(_ name: String) -> StoredTensor? {
        checkpoint.tensors[name] ?? checkpoint.tensors[name.hasPrefix("transformer.") ? String(name.dropFirst(12)) : name]
    }
    let packedPaths = try model.replaceModules { path, module in
        guard let linear = module as? Linear, !(model is GPT2Model), path.split(separator: ".").last != "lm_head",
              let weight = stored(path + ".weight"), weight.dtype.blockSize > 1 else { return nil }
        guard weight.shape == linear.weight.shape else {
            throw CheckpointError.invalidTensor(file: checkpoint.source.path, tensor: path + ".weight",
                                                reason: "shape \(weight.shape), the model needs \(linear.weight.shape)")
        }
        var bias: Tensor? = nil
        if linear.bias != nil {
            guard let b = stored(path + ".bias"), b.shape == [linear.outFeatures] else {
                throw CheckpointError.missingTensor(file: checkpoint.source.path, tensor: path + ".bias")
            }
            bias = Tensor(b.floats(), shape: b.shape)
        }
        return PackedLinear(weight: weight.packedForDecode(), bias: bias)
    }
    var weights: [String: Tensor] = [:]
    for (name, parameter) in model.namedParameters() {
        guard let s = stored(name) else { throw CheckpointError.missingTensor(file: checkpoint.source.path, tensor: name) }
        let transposed = model is GPT2Model && GPT2Model.isConv1DWeight(name)
        let storedShape = transposed ? Array(parameter.shape.reversed()) : parameter.shape
        guard s.shape == storedShape, !s.dtype.isInteger else {
            throw CheckpointError.invalidTensor(file: checkpoint.source.path, tensor: name,
                                                reason: "\(s.dtype.rawValue) \(s.shape), the model needs float \(storedShape)")
        }
        let values = Tensor(s.floats(), shape: s.shape)
        weights[name] = transposed ? withNoGrad { values.transposedLastTwo() } : values
    }
    try model.loadParameters(weights)
    if let llama = model as? LlamaModel,
       let head = stored(checkpoint.config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"),
       head.dtype.blockSize > 1, head.shape == [checkpoint.config.vocabSize, checkpoint.config.hiddenSize] {
        llama.packedHead = head.packedForDecode()
    }
    model.freeze()
    return (model, packedPaths)
}
