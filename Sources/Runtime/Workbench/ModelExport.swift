import Foundation

/// What `export` wrote.
public struct ExportedModel: Sendable {
    public var folder: URL
    public var tensors: Int
    /// Tokenizer and generation files copied from the source folder.
    public var copiedFiles: [String]
}

extension LoadedModel {
    /// Writes the model (with any adapter merged first) as an HF folder: config.json,
    /// model.safetensors with HF tensor names (GPT-2's Conv1D weights transposed back to
    /// [in, out]) and the tokenizer files beside the source, so transformers and this tool load
    /// it back. Refuses while an adapter is applied unmerged: say `merge` first.
    public func export(to folder: URL) throws -> ExportedModel {
        guard lora == nil else {
            throw WorkbenchError("an adapter is applied: `merge` it into the weights before `export` (or `adapter save` it alone)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let isGPT2 = network is GPT2Model
        let entries = network.namedParameters().map { name, tensor -> SafetensorsEntry in
            guard isGPT2 && GPT2Model.isConv1DWeight(name) else {
                return SafetensorsEntry(name: name, shape: tensor.shape, floats: tensor.scalars)
            }
            let (rows, cols) = (tensor.shape[0], tensor.shape[1])
            let src = tensor.scalars
            var out = [Float](repeating: 0, count: rows * cols)
            for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = src[r * cols + c] } }
            return SafetensorsEntry(name: name, shape: [cols, rows], floats: out)
        }
        try SafetensorsWriter.write(entries, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"))
        try AtomicFile.write(try configJSON(), to: folder.appendingPathComponent("config.json"))
        var copied: [String] = []
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: source.path, isDirectory: &isFolder), isFolder.boolValue {
            for name in ["tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "chat_template.jinja",
                         "special_tokens_map.json", "generation_config.json"] {
                let from = source.appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: from.path) else { continue }
                try AtomicFile.write(data, to: folder.appendingPathComponent(name))
                copied.append(name)
            }
        }
        return ExportedModel(folder: folder, tensors: entries.count, copiedFiles: copied)
    }

    /// config.json: the model's configuration under HF keys, with the architecture class name.
    private func configJSON() throws -> Data {
        let encoded = try JSONEncoder().encode(config)
        guard var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] else {
            throw WorkbenchError("the model configuration did not encode as a JSON object")
        }
        let architectures = ["gpt2": "GPT2LMHeadModel", "llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM",
                             "qwen2": "Qwen2ForCausalLM"]
        if let name = architectures[config.modelType] { object["architectures"] = [name] }
        object["torch_dtype"] = "float32"
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
