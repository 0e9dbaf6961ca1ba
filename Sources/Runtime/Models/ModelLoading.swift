import Foundation

/// Builds the network of an architecture from its configuration (randomly initialized).
public func makeCausalLM(config: ModelConfig, seed: UInt64 = 42) -> any CausalLM {
    var generator = SeededGenerator(seed: seed)
    switch config.family {
    case .gpt2: return GPT2Model(config: config, generator: &generator)
    case .llama: return LlamaModel(config: config, generator: &generator)
    }
}

/// Builds the network a checkpoint describes and fills it with the checkpoint's weights.
/// Each weight is decoded once, straight into its tensor's storage. Checkpoint tensors the
/// network has no use for (a tied `lm_head.weight`, GPT-2's old attention-mask buffers) are
/// ignored; a missing or misshapen one is an error naming the checkpoint and the tensor.
public func loadCausalLM(_ checkpoint: ModelCheckpoint) throws -> any CausalLM {
    // Every parameter is replaced below (a missing one is an error), so none is drawn.
    let model = RandomInitialization.skipping { makeCausalLM(config: checkpoint.config) }
    var weights: [String: Tensor] = [:]
    for (name, parameter) in model.namedParameters() {
        guard let stored = checkpoint.tensors[name] ?? checkpoint.tensors[unprefixedName(name)] else {
            throw CheckpointError.missingTensor(file: checkpoint.source.path, tensor: name)
        }
        let transposed = model is GPT2Model && GPT2Model.isConv1DWeight(name)
        let storedShape = transposed ? Array(parameter.shape.reversed()) : parameter.shape
        guard stored.shape == storedShape else {
            throw CheckpointError.invalidTensor(file: checkpoint.source.path, tensor: name,
                                                reason: "shape \(stored.shape), the model needs \(storedShape)")
        }
        guard !stored.dtype.isInteger else {
            throw CheckpointError.invalidTensor(file: checkpoint.source.path, tensor: name,
                                                reason: "integer dtype \(stored.dtype.rawValue) for a weight")
        }
        weights[name] = transposed ? decodeTransposed(stored) : decode(stored)
    }
    try model.loadParameters(weights)
    return model
}

/// HF checkpoints of a bare GPT-2 body (`GPT2Model`) name weights without `transformer.`.
private func unprefixedName(_ name: String) -> String {
    name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
}

private func decode(_ stored: StoredTensor) -> Tensor {
    let storage = TensorStorage(count: stored.elementCount, zeroed: false)
    stored.decode(into: storage.pointer)
    return Tensor(storage: storage, shape: stored.shape)
}

/// A [rows, cols] stored matrix as its transpose [cols, rows] (GPT-2's Conv1D -> Linear).
private func decodeTransposed(_ stored: StoredTensor) -> Tensor {
    let (rows, cols) = (stored.shape[0], stored.shape[1])
    let plain = decode(stored)
    let out = TensorStorage(count: rows * cols, zeroed: false)
    let src = plain.pointer, dst = out.pointer
    for r in 0..<rows { for c in 0..<cols { dst[c * rows + r] = src[r * cols + c] } }
    return Tensor(storage: out, shape: [cols, rows])
}
