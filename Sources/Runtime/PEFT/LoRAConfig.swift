import Foundation

/// A LoRA adapter's settings, with PEFT's `adapter_config.json` key names, so an adapter saved
/// here loads in PEFT and one saved by PEFT loads here. Defaults are PEFT's `LoraConfig`.
public struct LoRAConfig: Codable, Sendable, Equatable {
    public enum Bias: String, Codable, Sendable { case none, all, loraOnly = "lora_only" }

    public var r: Int = 8
    public var alpha: Double = 8
    public var dropout: Double = 0
    /// Module names matched as suffixes of dotted paths (`q_proj`, `self_attn.v_proj`), or
    /// `["all-linear"]`: every linear layer except the output head.
    public var targetModules: [String] = ["q_proj", "v_proj"]
    public var bias: Bias = .none
    /// rsLoRA: scale alpha / sqrt(r) instead of alpha / r.
    public var useRSLoRA: Bool = false
    /// The base model the adapter was trained on (informational, as in PEFT).
    public var baseModelNameOrPath: String?
    /// GPT-2's Conv1D layers store weights [in, out]; PEFT records that with this flag.
    public var fanInFanOut: Bool = false

    public init(r: Int = 8, alpha: Double = 8, dropout: Double = 0, targetModules: [String] = ["q_proj", "v_proj"],
                bias: Bias = .none, useRSLoRA: Bool = false, baseModelNameOrPath: String? = nil) {
        self.r = r
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        self.bias = bias
        self.useRSLoRA = useRSLoRA
        self.baseModelNameOrPath = baseModelNameOrPath
    }

    /// The factor applied to B A x.
    public var scale: Float { Float(useRSLoRA ? alpha / Double(r).squareRoot() : alpha / Double(r)) }

    /// Whether the linear layer at `path` is a target (the output head never is for all-linear).
    public func targets(path: String) -> Bool {
        if targetModules == ["all-linear"] { return !path.hasSuffix("lm_head") }
        return targetModules.contains { path == $0 || path.hasSuffix("." + $0) }
    }

    enum CodingKeys: String, CodingKey {
        case r, alpha = "lora_alpha", dropout = "lora_dropout", targetModules = "target_modules", bias
        case useRSLoRA = "use_rslora", baseModelNameOrPath = "base_model_name_or_path", fanInFanOut = "fan_in_fan_out"
        case peftType = "peft_type", taskType = "task_type", inferenceMode = "inference_mode"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try c.decodeIfPresent(String.self, forKey: .peftType), type != "LORA" {
            throw DecodingError.dataCorruptedError(forKey: .peftType, in: c, debugDescription: "peft_type '\(type)' is not LORA")
        }
        r = try c.decodeIfPresent(Int.self, forKey: .r) ?? 8
        guard r > 0 else { throw DecodingError.dataCorruptedError(forKey: .r, in: c, debugDescription: "r must be positive, got \(r)") }
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? 8
        dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? 0
        // PEFT writes target_modules as a list, or as one string (a regex or "all-linear").
        if let list = try? c.decode([String].self, forKey: .targetModules) {
            targetModules = list
        } else {
            targetModules = [try c.decode(String.self, forKey: .targetModules)]
        }
        bias = try c.decodeIfPresent(Bias.self, forKey: .bias) ?? .none
        useRSLoRA = try c.decodeIfPresent(Bool.self, forKey: .useRSLoRA) ?? false
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath)
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("LORA", forKey: .peftType)
        try c.encode("CAUSAL_LM", forKey: .taskType)
        try c.encode(true, forKey: .inferenceMode)
        try c.encode(r, forKey: .r)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(dropout, forKey: .dropout)
        try c.encode(targetModules.sorted(), forKey: .targetModules)
        try c.encode(bias, forKey: .bias)
        try c.encode(useRSLoRA, forKey: .useRSLoRA)
        try c.encode(fanInFanOut, forKey: .fanInFanOut)
        try c.encodeIfPresent(baseModelNameOrPath, forKey: .baseModelNameOrPath)
    }
}
