import Foundation

/// Turning a GGUF file into what an HF folder gives: a `ModelConfig` from the `<arch>.*`
/// metadata and the tensors under their HF names, in HF layout.
extension GGUFFile {
    /// GGUF architectures we map, and the HF model_type each becomes.
    static let modelTypes = ["llama": "llama", "qwen2": "qwen2"]

    /// The architecture hyper-parameters from metadata (`llama.block_count`, ...). The vocab
    /// size comes from `<arch>.vocab_size` or the token list; the head is tied when the file
    /// has no `output.weight`.
    public func modelConfig() throws -> ModelConfig {
        guard let arch = architecture else {
            throw CheckpointError.invalidConfig(file: fileName, key: "general.architecture", reason: "missing")
        }
        guard let modelType = Self.modelTypes[arch] else {
            throw CheckpointError.unsupported(file: fileName, reason: "GGUF architecture '\(arch)' (supported: \(Self.modelTypes.keys.sorted().joined(separator: ", ")))")
        }
        func integer(_ key: String) throws -> Int? {
            guard let value = metadata["\(arch).\(key)"] else { return nil }
            guard let i = value.intValue, i > 0 else {
                throw CheckpointError.invalidConfig(file: fileName, key: "\(arch).\(key)", reason: "expected a positive integer, got \(value)")
            }
            return i
        }
        func required(_ key: String) throws -> Int {
            guard let i = try integer(key) else { throw CheckpointError.invalidConfig(file: fileName, key: "\(arch).\(key)", reason: "missing") }
            return i
        }
        func real(_ key: String) throws -> Double? {
            guard let value = metadata["\(arch).\(key)"] else { return nil }
            guard let d = value.doubleValue, d > 0 else {
                throw CheckpointError.invalidConfig(file: fileName, key: "\(arch).\(key)", reason: "expected a positive number, got \(value)")
            }
            return d
        }
        let hidden = try required("embedding_length")
        let heads = try required("attention.head_count")
        let kvHeads = try integer("attention.head_count_kv") ?? heads
        guard heads % kvHeads == 0 else {
            throw CheckpointError.invalidConfig(file: fileName, key: "\(arch).attention.head_count_kv", reason: "\(kvHeads) does not divide the head count \(heads)")
        }
        let headDim = try integer("attention.key_length") ?? hidden / heads
        guard headDim > 0, headDim % 2 == 0, headDim <= hidden else {
            throw CheckpointError.invalidConfig(file: fileName, key: "\(arch).attention.key_length",
                                                reason: "head dimension \(headDim) must be even, positive and at most the embedding length \(hidden)")
        }
        guard let vocab = try integer("vocab_size") ?? metadata["tokenizer.ggml.tokens"]?.arrayValue?.count else {
            throw CheckpointError.invalidConfig(file: fileName, key: "\(arch).vocab_size", reason: "missing, and no tokenizer.ggml.tokens list")
        }
        guard let epsilon = try real("attention.layer_norm_rms_epsilon") else {
            throw CheckpointError.invalidConfig(file: fileName, key: "\(arch).attention.layer_norm_rms_epsilon", reason: "missing")
        }
        var scaling: RopeScaling?
        if let kind = metadata["\(arch).rope.scaling.type"]?.stringValue, kind != "none" {
            guard kind == "linear", let factor = try real("rope.scaling.factor") else {
                throw CheckpointError.unsupported(file: fileName, reason: "rope scaling '\(kind)' in \(arch).rope.scaling.type (supported: linear)")
            }
            scaling = RopeScaling(type: "linear", factor: factor)
        }
        if info("rope_freqs.weight") != nil {
            throw CheckpointError.unsupported(file: fileName, reason: "per-frequency rope factors (rope_freqs.weight) are not supported yet")
        }
        let eos = metadata["tokenizer.ggml.eos_token_id"]?.intValue
        return ModelConfig(
            modelType: modelType, vocabSize: vocab, hiddenSize: hidden, intermediateSize: try required("feed_forward_length"),
            numHiddenLayers: try required("block_count"), numAttentionHeads: heads, numKeyValueHeads: kvHeads, headDim: headDim,
            maxPositionEmbeddings: try required("context_length"), normEpsilon: epsilon, hiddenAct: "silu",
            tieWordEmbeddings: info("output.weight") == nil, ropeTheta: try real("rope.freq_base") ?? 10000, ropeScaling: scaling,
            qkvBias: info("blk.0.attn_q.bias") != nil, outputProjectionBias: info("blk.0.attn_output.bias") != nil,
            bosTokenId: metadata["tokenizer.ggml.bos_token_id"]?.intValue, eosTokenIds: eos.map { [$0] } ?? [],
            padTokenId: metadata["tokenizer.ggml.padding_token_id"]?.intValue)
    }

    /// Every tensor under its HF name (`model.layers.3.self_attn.q_proj.weight`, ...) with HF
    /// shapes. For the `llama` architecture the q and k projection rows are put back in HF
    /// order: llama.cpp's converter interleaves the two rotary halves of each head.
    public func hfTensors(config: ModelConfig) throws -> [String: StoredTensor] {
        var result: [String: StoredTensor] = [:]
        let permuted = architecture == "llama"
        for info in tensorInfos {
            guard let hfName = GGUFTensorNames.hfName(info.name) else {
                throw CheckpointError.unsupported(file: fileName, reason: "tensor '\(info.name)' has no HF counterpart we know")
            }
            var tensor = try self.tensor(info.name).renamed(hfName)
            if permuted, hfName.hasSuffix("q_proj.weight") || hfName.hasSuffix("k_proj.weight") {
                let heads = hfName.hasSuffix("q_proj.weight") ? config.numAttentionHeads : config.numKeyValueHeads
                let (rows, overflow) = heads.multipliedReportingOverflow(by: config.headDim)
                guard tensor.shape.count == 2, config.headDim > 0, config.headDim % 2 == 0, !overflow, tensor.shape[0] == rows else {
                    throw CheckpointError.invalidTensor(file: fileName, tensor: info.name, reason:
                        "shape \(tensor.shape) does not have \(heads) heads of \(config.headDim) rows")
                }
                tensor = tensor.gatheringRows(GGUFTensorNames.unpermutedRowOrder(rows: tensor.shape[0], heads: heads))
            } else if permuted, hfName.hasSuffix("q_proj.bias") || hfName.hasSuffix("k_proj.bias") {
                throw CheckpointError.unsupported(file: fileName, reason: "permuted attention bias '\(info.name)' is not supported")
            }
            result[hfName] = tensor
        }
        return result
    }
}

/// GGUF tensor names (llama.cpp `tensor_mapping.py`) to HF Llama-family names, and the row
/// order that undoes the converter's rotary permutation.
public enum GGUFTensorNames {
    private static let global = [
        "token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head",
    ]
    private static let perLayer = [
        "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
        "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
        "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
    ]

    /// `blk.3.attn_q.weight` -> `model.layers.3.self_attn.q_proj.weight`; nil when unknown.
    public static func hfName(_ ggufName: String) -> String? {
        let parts = ggufName.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let suffix = parts.last, suffix == "weight" || suffix == "bias" else { return nil }
        if parts.count == 2, let base = global[parts[0]] { return "\(base).\(suffix)" }
        if parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0, let base = perLayer[parts[2]] {
            return "model.layers.\(layer).\(base).\(suffix)"
        }
        return nil
    }

    /// Row order that maps a GGUF q/k weight back to HF: within each head of `rows / heads`
    /// rows, GGUF row 2i + j holds HF row j * (headDim / 2) + i (the converter's
    /// reshape(heads, 2, headDim/2).swapaxes(1, 2)). Entry r is the GGUF row of HF row r.
    public static func unpermutedRowOrder(rows: Int, heads: Int) -> [Int] {
        precondition(heads > 0 && rows % (2 * heads) == 0, "\(rows) rows do not split into \(heads) heads of even size")
        let headDim = rows / heads, half = headDim / 2
        var order = [Int](repeating: 0, count: rows)
        for h in 0..<heads {
            for j in 0..<2 {
                for i in 0..<half { order[h * headDim + j * half + i] = h * headDim + 2 * i + j }
            }
        }
        return order
    }
}
