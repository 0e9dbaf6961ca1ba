import Foundation

/// The architecture hyper-parameters of a causal language model, read from an HF `config.json`
/// (or built from GGUF metadata). One type covers both families we run: GPT-2 (its own key
/// names: `n_embd`, `n_layer`, ...) and Llama (`llama`, `mistral`, `qwen2`: `hidden_size`, ...).
/// Fields are normalized (e.g. `normEpsilon` is GPT-2's `layer_norm_epsilon` or Llama's
/// `rms_norm_eps`); encoding writes each family's own HF keys back.
public struct ModelConfig: Codable, Sendable, Equatable {
    public enum Family: String, Sendable { case gpt2, llama }

    /// Model types whose weights and forward pass sft knows.
    public static let supportedModelTypes: [String: Family] = ["gpt2": .gpt2, "llama": .llama, "mistral": .llama, "qwen2": .llama]
    public static let supportedActivations: Set<String> = ["gelu_new", "gelu_pytorch_tanh", "gelu", "relu", "silu", "swish"]

    /// HF `model_type`: "gpt2", "llama", "mistral" or "qwen2".
    public var modelType: String
    public var vocabSize: Int
    public var hiddenSize: Int
    /// MLP width (GPT-2's `n_inner`, 4 x hidden when null).
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    /// Key/value heads for grouped-query attention (= numAttentionHeads when absent or GPT-2).
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var maxPositionEmbeddings: Int
    /// LayerNorm epsilon (GPT-2) or RMSNorm epsilon (Llama family).
    public var normEpsilon: Double
    /// `activation_function` (GPT-2) or `hidden_act` (Llama family).
    public var hiddenAct: String
    public var tieWordEmbeddings: Bool
    public var ropeTheta: Double
    public var ropeScaling: RopeScaling?
    /// Bias on the q, k and v projections (Qwen2 always; Llama when `attention_bias`).
    public var qkvBias: Bool
    /// Bias on the attention output projection (Llama's `attention_bias`; never Qwen2).
    public var outputProjectionBias: Bool
    public var mlpBias: Bool
    /// Mistral/Qwen2 sliding attention window, when the config enables one.
    public var slidingWindow: Int?
    public var bosTokenId: Int?
    /// `eos_token_id`, which HF allows to be one id or a list.
    public var eosTokenIds: [Int]
    public var padTokenId: Int?

    public var family: Family { Self.supportedModelTypes[modelType] ?? .llama }

    public init(modelType: String, vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, numKeyValueHeads: Int, headDim: Int, maxPositionEmbeddings: Int,
                normEpsilon: Double, hiddenAct: String, tieWordEmbeddings: Bool, ropeTheta: Double = 10000,
                ropeScaling: RopeScaling? = nil, qkvBias: Bool = false, outputProjectionBias: Bool = false,
                mlpBias: Bool = false, slidingWindow: Int? = nil, bosTokenId: Int? = nil, eosTokenIds: [Int] = [],
                padTokenId: Int? = nil) {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads
        self.headDim = headDim
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.normEpsilon = normEpsilon
        self.hiddenAct = hiddenAct
        self.tieWordEmbeddings = tieWordEmbeddings
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.qkvBias = qkvBias
        self.outputProjectionBias = outputProjectionBias
        self.mlpBias = mlpBias
        self.slidingWindow = slidingWindow
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
        self.padTokenId = padTokenId
    }

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", tieWordEmbeddings = "tie_word_embeddings"
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id", padTokenId = "pad_token_id"
        // Llama family
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads", headDim = "head_dim"
        case maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps", hiddenAct = "hidden_act"
        case ropeTheta = "rope_theta", ropeScaling = "rope_scaling", ropeParameters = "rope_parameters"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias", slidingWindow = "sliding_window"
        case useSlidingWindow = "use_sliding_window"
        // GPT-2 family
        case nEmbd = "n_embd", nLayer = "n_layer", nHead = "n_head", nPositions = "n_positions", nInner = "n_inner"
        case layerNormEpsilon = "layer_norm_epsilon", activationFunction = "activation_function"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decode(String.self, forKey: .modelType)
        guard let family = Self.supportedModelTypes[modelType] else {
            throw DecodingError.dataCorruptedError(forKey: .modelType, in: c, debugDescription:
                "unsupported model_type '\(modelType)' (supported: \(Self.supportedModelTypes.keys.sorted().joined(separator: ", ")))")
        }
        vocabSize = try c.positive(.vocabSize)
        bosTokenId = try c.decodeIfPresent(Int.self, forKey: .bosTokenId)
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId)
        eosTokenIds = try c.decodeTokenIds(.eosTokenId)
        switch family {
        case .gpt2:
            hiddenSize = try c.positive(.nEmbd)
            numHiddenLayers = try c.positive(.nLayer)
            numAttentionHeads = try c.positive(.nHead)
            numKeyValueHeads = numAttentionHeads
            maxPositionEmbeddings = try c.positive(.nPositions)
            let (fourTimes, overflow) = hiddenSize.multipliedReportingOverflow(by: 4)
            try c.require(!overflow, .nEmbd, "\(hiddenSize) is too large")
            intermediateSize = try c.positiveIfPresent(.nInner) ?? fourTimes
            normEpsilon = try c.decodeIfPresent(Double.self, forKey: .layerNormEpsilon) ?? 1e-5
            hiddenAct = try c.decodeIfPresent(String.self, forKey: .activationFunction) ?? "gelu_new"
            tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? true
            ropeTheta = 10000
            ropeScaling = nil
            qkvBias = true
            outputProjectionBias = true
            mlpBias = true
            slidingWindow = nil
            try c.require(hiddenSize % numAttentionHeads == 0, .nHead, "n_embd \(hiddenSize) is not a multiple of n_head \(numAttentionHeads)")
            headDim = hiddenSize / numAttentionHeads
            try c.require(normEpsilon > 0, .layerNormEpsilon, "must be positive")
            try c.require(Self.supportedActivations.contains(hiddenAct), .activationFunction, "unsupported activation '\(hiddenAct)'")
        case .llama:
            hiddenSize = try c.positive(.hiddenSize)
            intermediateSize = try c.positive(.intermediateSize)
            numHiddenLayers = try c.positive(.numHiddenLayers)
            numAttentionHeads = try c.positive(.numAttentionHeads)
            numKeyValueHeads = try c.positiveIfPresent(.numKeyValueHeads) ?? numAttentionHeads
            try c.require(numAttentionHeads % numKeyValueHeads == 0, .numKeyValueHeads,
                          "num_attention_heads \(numAttentionHeads) is not a multiple of num_key_value_heads \(numKeyValueHeads)")
            if let dim = try c.positiveIfPresent(.headDim) {
                headDim = dim
            } else {
                try c.require(hiddenSize % numAttentionHeads == 0, .numAttentionHeads,
                              "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads) and head_dim is absent")
                headDim = hiddenSize / numAttentionHeads
            }
            try c.require(headDim % 2 == 0, .headDim, "rotary embeddings need an even head dimension, got \(headDim)")
            maxPositionEmbeddings = try c.positive(.maxPositionEmbeddings)
            normEpsilon = try c.decode(Double.self, forKey: .rmsNormEps)
            try c.require(normEpsilon > 0, .rmsNormEps, "must be positive")
            hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
            try c.require(Self.supportedActivations.contains(hiddenAct), .hiddenAct, "unsupported activation '\(hiddenAct)'")
            tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
            // transformers >= 5 writes `rope_parameters` {rope_theta, rope_type, ...}; older
            // configs (and the Hub) have top-level `rope_theta` and `rope_scaling`.
            var ropeKey = CodingKeys.ropeScaling
            if let parameters = try c.decodeIfPresent(RopeScaling.self, forKey: .ropeParameters) {
                ropeKey = .ropeParameters
                ropeTheta = parameters.ropeTheta ?? 10000
                ropeScaling = parameters.type == "default" ? nil : parameters
            } else {
                ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? 10000
                let scaling = try c.decodeIfPresent(RopeScaling.self, forKey: .ropeScaling)
                ropeScaling = scaling?.type == "default" ? nil : scaling
            }
            try c.require(ropeTheta > 0, .ropeTheta, "must be positive")
            if let scaling = ropeScaling {
                try c.require(RopeScaling.supportedTypes.contains(scaling.type), ropeKey,
                              "unsupported rope type '\(scaling.type)' (supported: \(RopeScaling.supportedTypes.sorted().joined(separator: ", ")))")
                try c.require(scaling.factor > 0, ropeKey, "factor must be positive")
                if scaling.type == "llama3" {
                    try c.require(scaling.lowFreqFactor != nil && scaling.highFreqFactor != nil && scaling.originalMaxPositionEmbeddings != nil,
                                  ropeKey, "llama3 scaling needs low_freq_factor, high_freq_factor and original_max_position_embeddings")
                }
            }
            let attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false
            qkvBias = modelType == "qwen2" || attentionBias
            outputProjectionBias = modelType != "qwen2" && attentionBias
            mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias) ?? false
            let window = try c.decodeIfPresent(Int.self, forKey: .slidingWindow)
            let windowEnabled = modelType == "qwen2" ? (try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow) ?? false) : true
            slidingWindow = windowEnabled ? window : nil
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encodeIfPresent(bosTokenId, forKey: .bosTokenId)
        try c.encodeIfPresent(padTokenId, forKey: .padTokenId)
        try c.encodeTokenIds(eosTokenIds, forKey: .eosTokenId)
        switch family {
        case .gpt2:
            try c.encode(hiddenSize, forKey: .nEmbd)
            try c.encode(numHiddenLayers, forKey: .nLayer)
            try c.encode(numAttentionHeads, forKey: .nHead)
            try c.encode(maxPositionEmbeddings, forKey: .nPositions)
            try c.encode(intermediateSize, forKey: .nInner)
            try c.encode(normEpsilon, forKey: .layerNormEpsilon)
            try c.encode(hiddenAct, forKey: .activationFunction)
        case .llama:
            try c.encode(hiddenSize, forKey: .hiddenSize)
            try c.encode(intermediateSize, forKey: .intermediateSize)
            try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
            try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
            try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
            try c.encode(headDim, forKey: .headDim)
            try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
            try c.encode(normEpsilon, forKey: .rmsNormEps)
            try c.encode(hiddenAct, forKey: .hiddenAct)
            try c.encode(ropeTheta, forKey: .ropeTheta)
            try c.encodeIfPresent(ropeScaling, forKey: .ropeScaling)
            if modelType != "qwen2" { try c.encode(qkvBias || outputProjectionBias, forKey: .attentionBias) }
            try c.encode(mlpBias, forKey: .mlpBias)
            if modelType == "qwen2" { try c.encode(slidingWindow != nil, forKey: .useSlidingWindow) }
            try c.encodeIfPresent(slidingWindow, forKey: .slidingWindow)
        }
    }
}

/// RoPE frequency scaling (`rope_scaling`, or transformers 5's `rope_parameters`). For
/// `llama3`, frequencies with wavelength above original_max / low_freq_factor are divided by
/// `factor`, those below original_max / high_freq_factor kept, and the band between blended.
public struct RopeScaling: Codable, Sendable, Equatable {
    public static let supportedTypes: Set<String> = ["linear", "llama3"]

    /// `rope_type` (or the older `type`): "default", "linear", "llama3", ...
    public var type: String
    public var factor: Double
    public var lowFreqFactor: Double?
    public var highFreqFactor: Double?
    public var originalMaxPositionEmbeddings: Int?
    /// Only present inside `rope_parameters`.
    public var ropeTheta: Double?

    public init(type: String, factor: Double, lowFreqFactor: Double? = nil, highFreqFactor: Double? = nil,
                originalMaxPositionEmbeddings: Int? = nil, ropeTheta: Double? = nil) {
        self.type = type
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
        self.ropeTheta = ropeTheta
    }

    enum CodingKeys: String, CodingKey {
        case type, ropeType = "rope_type", factor, lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings", ropeTheta = "rope_theta"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let kind = try c.decodeIfPresent(String.self, forKey: .ropeType) ?? c.decodeIfPresent(String.self, forKey: .type) else {
            throw DecodingError.keyNotFound(CodingKeys.ropeType, .init(codingPath: c.codingPath, debugDescription: "rope_type (or type) is required"))
        }
        type = kind
        factor = try c.decodeIfPresent(Double.self, forKey: .factor) ?? 1
        lowFreqFactor = try c.decodeIfPresent(Double.self, forKey: .lowFreqFactor)
        highFreqFactor = try c.decodeIfPresent(Double.self, forKey: .highFreqFactor)
        originalMaxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .originalMaxPositionEmbeddings)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .ropeType)
        try c.encode(factor, forKey: .factor)
        try c.encodeIfPresent(lowFreqFactor, forKey: .lowFreqFactor)
        try c.encodeIfPresent(highFreqFactor, forKey: .highFreqFactor)
        try c.encodeIfPresent(originalMaxPositionEmbeddings, forKey: .originalMaxPositionEmbeddings)
    }
}

extension KeyedDecodingContainer {
    /// A token id field HF allows to be one id, a list of ids, null or absent.
    func decodeTokenIds(_ key: Key) throws -> [Int] {
        if let list = try? decodeIfPresent([Int].self, forKey: key) { return list }
        return try decodeIfPresent(Int.self, forKey: key).map { [$0] } ?? []
    }

    /// A required integer that must be > 0.
    func positive(_ key: Key) throws -> Int {
        let value = try decode(Int.self, forKey: key)
        try require(value > 0, key, "must be a positive integer, got \(value)")
        return value
    }

    /// An optional integer that, when present and not null, must be > 0.
    func positiveIfPresent(_ key: Key) throws -> Int? {
        guard let value = try decodeIfPresent(Int.self, forKey: key) else { return nil }
        try require(value > 0, key, "must be a positive integer, got \(value)")
        return value
    }

    func require(_ condition: Bool, _ key: Key, _ reason: String) throws {
        if !condition { throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: reason) }
    }
}

extension KeyedEncodingContainer {
    /// Writes token ids the way HF does: one id as a number, several as a list, none omitted.
    mutating func encodeTokenIds(_ ids: [Int], forKey key: Key) throws {
        if ids.count == 1 { try encode(ids[0], forKey: key) } else if !ids.isEmpty { try encode(ids, forKey: key) }
    }
}

extension ModelConfig {
    /// Reads `config.json` at `url`; any missing or invalid field is an error naming the file
    /// and the key.
    public static func load(from url: URL) throws -> ModelConfig {
        try decodeJSONFile(ModelConfig.self, at: url)
    }
}

/// Decodes a JSON file, turning decoding failures into `CheckpointError.invalidConfig` with
/// the file and the key path of the problem.
func decodeJSONFile<T: Decodable>(_ type: T.Type, at url: URL) throws -> T {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw CheckpointError.io(file: url.path, reason: "cannot read: \(error.localizedDescription)")
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        var context: DecodingError.Context?
        var key: String?
        var reason: String
        switch error {
        case .keyNotFound(let missing, let c): context = c; key = missing.stringValue; reason = "missing"
        case .typeMismatch(let t, let c): context = c; reason = "expected \(t)"
        case .valueNotFound(let t, let c): context = c; reason = "expected \(t), found null"
        case .dataCorrupted(let c): context = c; reason = c.debugDescription
        @unknown default: reason = "\(error)"
        }
        let path = (context?.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } ?? []) + (key.map { [$0] } ?? [])
        if path.isEmpty { throw CheckpointError.malformed(file: url.path, reason: "invalid JSON: \(reason)") }
        throw CheckpointError.invalidConfig(file: url.path, key: path.joined(separator: "."), reason: reason)
    } catch {
        throw CheckpointError.malformed(file: url.path, reason: "invalid JSON: \(error.localizedDescription)")
    }
}
