import Foundation

/// A model's weights as stored (not yet converted), with its configuration: what the Models
/// layer needs to build and fill a network. Tensors carry HF names and HF shapes whatever the
/// source format; their bytes stay in the mapped files until `StoredTensor.decode(into:)`.
public struct ModelCheckpoint: Sendable {
    public let source: URL
    public let config: ModelConfig
    /// From `generation_config.json` when the folder has one; nil for GGUF.
    public let generation: GenerationConfig?
    public let tensors: [String: StoredTensor]
    /// GGUF metadata (tokenizer, chat template) when the source is a GGUF file.
    public let ggufMetadata: [String: GGUFValue]?

    /// Reads a pickled `pytorch_model.bin` into stored tensors. The Runtime cannot unpickle
    /// (that takes the embedded interpreter of the PyBridge target, which depends on the
    /// Runtime), so the bridge installs its reader here at start-up; nil in builds without it.
    /// Set once before any loading starts, never changed afterwards.
    nonisolated(unsafe) public static var pickleReader: ((URL) throws -> [String: StoredTensor])?

    /// Loads an HF folder (config.json + model.safetensors or a sharded index) or a `.gguf` file.
    public static func load(from url: URL) throws -> ModelCheckpoint {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw CheckpointError.io(file: url.path, reason: "no such file or folder")
        }
        if isFolder.boolValue { return try loadFolder(url) }
        guard url.pathExtension.lowercased() == "gguf" else {
            throw CheckpointError.unsupported(file: url.path, reason: "expected an HF model folder or a .gguf file")
        }
        let file = try GGUFFile(url: url)
        let config = try file.modelConfig()
        return ModelCheckpoint(source: url, config: config, generation: nil, tensors: try file.hfTensors(config: config),
                               ggufMetadata: file.metadata)
    }

    private static func loadFolder(_ folder: URL) throws -> ModelCheckpoint {
        let manager = FileManager.default
        let configURL = folder.appendingPathComponent("config.json")
        guard manager.fileExists(atPath: configURL.path) else {
            throw CheckpointError.io(file: configURL.path, reason: "missing: an HF model folder needs config.json")
        }
        let config = try ModelConfig.load(from: configURL)
        let generationURL = folder.appendingPathComponent("generation_config.json")
        let generation = manager.fileExists(atPath: generationURL.path) ? try GenerationConfig.load(from: generationURL) : nil
        let single = folder.appendingPathComponent("model.safetensors")
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        let tensors: [String: StoredTensor]
        if manager.fileExists(atPath: single.path) {
            tensors = try SafetensorsFile(url: single).tensors
        } else if manager.fileExists(atPath: index.path) {
            tensors = try ShardedSafetensors.load(index: index)
        } else if manager.fileExists(atPath: folder.appendingPathComponent("pytorch_model.bin").path) {
            guard let reader = pickleReader else {
                throw CheckpointError.unsupported(file: folder.appendingPathComponent("pytorch_model.bin").path, reason:
                    "a pickled PyTorch checkpoint needs the Python bridge: build with the PythonBridge trait (on by default; "
                    + "it was left out with --disable-default-traits), or convert the folder to safetensors")
            }
            tensors = try reader(folder.appendingPathComponent("pytorch_model.bin"))
        } else {
            throw CheckpointError.io(file: folder.path, reason: "no model.safetensors, model.safetensors.index.json or pytorch_model.bin")
        }
        return ModelCheckpoint(source: folder, config: config, generation: generation, tensors: tensors, ggufMetadata: nil)
    }

    /// The tensor `name` (HF name), or an error naming the checkpoint.
    public func tensor(_ name: String) throws -> StoredTensor {
        guard let t = tensors[name] else { throw CheckpointError.missingTensor(file: source.path, tensor: name) }
        return t
    }
}
