import Foundation

/// PEFT's on-disk adapter: `adapter_config.json` and `adapter_model.safetensors` whose keys
/// are `base_model.model.<module path>.lora_A.weight` ([r, in]) and `...lora_B.weight`
/// ([out, r]), plus trained biases under their parameter names when `bias` is not "none".
public enum AdapterFiles {
    public static let configName = "adapter_config.json"
    public static let weightsName = "adapter_model.safetensors"
    static let keyPrefix = "base_model.model."

    /// Writes the model's LoRA layers as a PEFT adapter folder (atomic per file).
    public static func save(_ model: Module, config: LoRAConfig, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var entries: [SafetensorsEntry] = []
        for (name, tensor) in adapterParameters(of: model, bias: config.bias) {
            entries.append(SafetensorsEntry(name: keyPrefix + name, shape: tensor.shape, floats: tensor.scalars))
        }
        var stored = config
        stored.targetModules = Array(Set(loraLayers(of: model).map { $0.path.split(separator: ".").last.map(String.init)! })).sorted()
        // Always the wrapped layers' names: PEFT rejects ["all-linear"] as a list.
        stored.fanInFanOut = model is GPT2Model
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(stored), to: folder.appendingPathComponent(configName))
        try SafetensorsWriter.write(entries, metadata: ["format": "pt"], to: folder.appendingPathComponent(weightsName))
    }

    /// Reads an adapter folder's configuration.
    public static func loadConfig(from folder: URL) throws -> LoRAConfig {
        let url = folder.appendingPathComponent(configName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw LoRAError.adapter(file: url.path, reason: "missing: an adapter folder needs \(configName)")
        }
        do { return try JSONDecoder().decode(LoRAConfig.self, from: data) } catch {
            throw LoRAError.adapter(file: url.path, reason: "not a LoRA adapter config: \(error)")
        }
    }

    /// Applies the adapter in `folder` to `model` (wrapping its target layers) and loads its
    /// weights. Every tensor in the file must land on a layer of this model, with its shape.
    @discardableResult
    public static func load(into model: Module, from folder: URL) throws -> LoRAConfig {
        let config = try loadConfig(from: folder)
        let url = folder.appendingPathComponent(weightsName)
        let tensors = try SafetensorsFile(url: url).tensors
        try applyLoRA(config, to: model)
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        var filled = Set<String>()
        for (key, stored) in tensors {
            let name = parameterName(forAdapterKey: key)
            guard let target = parameters[name] else {
                throw LoRAError.adapter(file: url.path, reason: "tensor '\(key)' matches no parameter of this model (an adapter for another model?)")
            }
            guard stored.shape == target.shape else {
                throw LoRAError.adapter(file: url.path, reason: "tensor '\(key)' has shape \(stored.shape), the model needs \(target.shape)")
            }
            target.withUnsafeMutableBufferPointer { stored.decode(into: $0.baseAddress!) }
            filled.insert(name)
        }
        let missing = adapterParameters(of: model, bias: .none).map(\.name).filter { !filled.contains($0) }
        guard missing.isEmpty else {
            throw LoRAError.adapter(file: url.path, reason: "no weights for \(missing.count) LoRA tensor(s), e.g. \(missing[0])")
        }
        return config
    }

    /// The parameters an adapter file holds: every LoRA A and B, and biases per `bias`.
    static func adapterParameters(of model: Module, bias: LoRAConfig.Bias) -> [(name: String, tensor: Tensor)] {
        let loraPaths = loraLayers(of: model).map(\.path)
        return model.namedParameters().filter { entry in
            if entry.name.hasSuffix(".lora_A.weight") || entry.name.hasSuffix(".lora_B.weight") { return true }
            guard entry.name.hasSuffix(".bias") else { return false }
            switch bias {
            case .none: return false
            case .all: return true
            case .loraOnly: return loraPaths.contains { entry.name == $0 + ".base_layer.bias" }
            }
        }
    }

    /// `base_model.model.x.lora_A.default.weight` or `base_model.model.x.lora_A.weight` -> `x.lora_A.weight`.
    static func parameterName(forAdapterKey key: String) -> String {
        var name = key.hasPrefix(keyPrefix) ? String(key.dropFirst(keyPrefix.count)) : key
        name = name.replacingOccurrences(of: ".default.", with: ".")
        return name
    }
}
