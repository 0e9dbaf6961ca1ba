import Foundation

/// How the quantized weights of a checkpoint (GGUF blocks) are held in memory.
public enum WeightStorage: String, CaseIterable, Sendable {
    /// Dequantized once to Float32: every weight can be trained, logits equal transformers'.
    case float32
    /// The block-quantized projections and head kept packed and frozen: generation multiplies
    /// them straight from the blocks (about a fifth of the bytes per token of Float32, with
    /// activations quantized to int8 as llama.cpp does); LoRA trains on top of them.
    case packed
}

/// A model as the workbench holds it between commands: the network, the tokenizer found beside
/// it, its chat template and stop tokens, and the LoRA adapter applied to it (if any).
/// `load(from:)` takes an HF folder (config.json + safetensors) or a .gguf file.
public final class LoadedModel {
    public let source: URL
    public let network: any CausalLM
    public let tokenizer: Tokenizer
    /// The model's chat template (tokenizer_config.json, chat_template.jinja or GGUF
    /// `tokenizer.chat_template`), as a renderer for data and prompts; nil when it has none.
    public let chatRenderer: ChatTemplateRenderer?
    /// Token ids that end a generation: generation_config.json's, else the config's and the tokenizer's EOS.
    public let stopTokenIds: [Int]
    /// The applied adapter's settings; nil before `applyLoRA`/`loadAdapter` and after `merge`.
    public private(set) var lora: LoRAConfig?
    /// Paths of layers whose adapters were merged into the base weights.
    public private(set) var mergedPaths: [String] = []
    /// Whether the weights came from a quantized GGUF.
    public let fromGGUF: Bool
    /// How quantized checkpoint weights are held (`packed` keeps GGUF blocks as they are).
    public let weightStorage: WeightStorage

    public var config: ModelConfig { network.config }

    init(source: URL, network: any CausalLM, tokenizer: Tokenizer, chatRenderer: ChatTemplateRenderer?,
         stopTokenIds: [Int], fromGGUF: Bool, weightStorage: WeightStorage = .float32) {
        self.source = source
        self.network = network
        self.tokenizer = tokenizer
        self.chatRenderer = chatRenderer
        self.stopTokenIds = stopTokenIds
        self.fromGGUF = fromGGUF
        self.weightStorage = weightStorage
    }

    /// Loads the weights, the tokenizer beside them and the chat template. Throws the checkpoint's,
    /// tokenizer's or template's error naming the file. `weights: .packed` keeps block-quantized
    /// GGUF weights packed (a checkpoint without any loads as Float32 either way).
    public static func load(from url: URL, weights: WeightStorage = .float32) throws -> LoadedModel {
        let checkpoint = try ModelCheckpoint.load(from: url)
        let network = weights == .packed ? try loadCausalLMKeepingQuantizedWeights(checkpoint).model : try loadCausalLM(checkpoint)
        let tokenizer = try Tokenizer.load(model: url, readGGUF: { file in
            if let metadata = checkpoint.ggufMetadata, file == url { return metadata }
            return try GGUFFile(url: file).metadata
        })
        let renderer = try tokenizer.chatTemplate.map { source in
            try ChatTemplateRenderer(template: try ChatTemplate(source: source),
                                     bosToken: tokenizer.config.bosToken, eosToken: tokenizer.config.eosToken)
        }
        var stops = checkpoint.generation?.eosTokenIds ?? []
        if stops.isEmpty { stops = checkpoint.config.eosTokenIds }
        if let eos = tokenizer.eosTokenId, !stops.contains(eos) { stops.append(eos) }
        return LoadedModel(source: url, network: network, tokenizer: tokenizer, chatRenderer: renderer,
                           stopTokenIds: stops, fromGGUF: checkpoint.ggufMetadata != nil, weightStorage: weights)
    }

    /// Wraps the targeted linear layers in LoRA (the base is frozen). Throws when no layer
    /// matches the targets (naming the layers the model has) or an adapter is already applied.
    @discardableResult
    public func applyLoRA(_ config: LoRAConfig, seed: UInt64 = 42) throws -> LoRASummary {
        guard lora == nil else {
            throw WorkbenchError("an adapter is already applied (r=\(lora!.r)); merge it or reload the model first")
        }
        var config = config
        config.baseModelNameOrPath = config.baseModelNameOrPath ?? source.path
        let summary = try Runtime.applyLoRA(config, to: network, seed: seed)
        // Record the layers actually wrapped (PEFT writes `all-linear` expanded; a saved
        // ["all-linear"] list is refused by peft.PeftModel.from_pretrained).
        config.targetModules = Array(Set(summary.wrappedPaths.map { $0.split(separator: ".").last.map(String.init) ?? $0 })).sorted()
        lora = config
        return summary
    }

    /// Writes the applied adapter in PEFT's format (adapter_config.json + adapter_model.safetensors).
    public func saveAdapter(to folder: URL) throws {
        guard let lora else { throw WorkbenchError("no adapter to save: apply one with `lora` or `adapter load` first") }
        try AdapterFiles.save(network, config: lora, to: folder)
    }

    /// Applies a PEFT adapter folder to the model and loads its weights.
    @discardableResult
    public func loadAdapter(from folder: URL) throws -> LoRAConfig {
        guard lora == nil else {
            throw WorkbenchError("an adapter is already applied (r=\(lora!.r)); merge it or reload the model first")
        }
        let config = try AdapterFiles.load(into: network, from: folder)
        lora = config
        return config
    }

    /// Folds the adapter into the base weights (W += scale B A); returns the merged layer paths.
    @discardableResult
    public func merge() throws -> [String] {
        guard lora != nil else { throw WorkbenchError("no adapter to merge: apply one with `lora` or `adapter load` first") }
        let paths = mergeLoRA(into: network)
        mergedPaths += paths
        lora = nil
        return paths
    }

    /// A one-line description: architecture, size, adapter.
    public var summary: String {
        let c = config
        var text = "\(source.lastPathComponent): \(c.modelType), \(c.numHiddenLayers) layers, hidden \(c.hiddenSize), "
            + "vocab \(c.vocabSize), \(formatCount(network.parameterCount())) parameters"
        if let lora {
            text += "; LoRA r=\(lora.r) alpha=\(formatNumber(lora.alpha)), \(formatCount(network.parameterCount(trainableOnly: true))) trainable"
        } else if !mergedPaths.isEmpty {
            text += "; \(mergedPaths.count) adapter layers merged"
        }
        return text
    }
}

/// 1234567 -> "1.23M", 5300 -> "5.3k".
public func formatCount(_ n: Int) -> String {
    switch n {
    case 1_000_000_000...: return String(format: "%.2fB", Double(n) / 1e9)
    case 1_000_000...: return String(format: "%.2fM", Double(n) / 1e6)
    case 10_000...: return String(format: "%.1fk", Double(n) / 1e3)
    default: return String(n)
    }
}

/// A number without a trailing ".0" (32 rather than 32.0).
public func formatNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
}
