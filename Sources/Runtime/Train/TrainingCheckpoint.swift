import Foundation

/// A checkpoint folder `out/checkpoint-<step>/`: the adapter (PEFT format) or the trainable
/// weights, the optimizer moments, and `trainer_state.json` (schedule position, data position,
/// random streams). Written into a temporary sibling folder and renamed into place, so a
/// crash mid-save never leaves a half checkpoint under the final name.
public enum TrainingCheckpoint {
    static let optimizerName = "optimizer.safetensors"
    static let stateName = "trainer_state.json"
    static let weightsName = "trainable.safetensors"

    public static func folder(in outputDir: URL, step: Int) -> URL {
        outputDir.appendingPathComponent("checkpoint-\(step)")
    }

    /// Saves and returns the checkpoint folder; prunes older ones beyond `keep` (0 keeps all).
    @discardableResult
    public static func save(model: Module, lora: LoRAConfig?, optimizer: AdamW, state: TrainerState,
                            outputDir: URL, keep: Int) throws -> URL {
        let manager = FileManager.default
        try manager.createDirectory(at: outputDir, withIntermediateDirectories: true)
        let final = folder(in: outputDir, step: state.globalStep)
        let temporary = outputDir.appendingPathComponent(".checkpoint-\(state.globalStep).partial")
        try? manager.removeItem(at: temporary)
        try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
        if let lora {
            try AdapterFiles.save(model, config: lora, to: temporary)
        } else {
            // Every weight training has touched: the trainable ones and, under half fine-tuning,
            // the ones frozen this round that earlier rounds updated (they have moments).
            let touched = model.namedParameters().filter { $0.tensor.requiresGrad || optimizer.state[$0.name] != nil }
            let entries = touched.map { SafetensorsEntry(name: $0.name, shape: $0.tensor.shape, floats: $0.tensor.scalars) }
            try SafetensorsWriter.write(entries, to: temporary.appendingPathComponent(weightsName))
        }
        var moments: [SafetensorsEntry] = []
        var steps: [String: String] = [:]
        for (name, s) in optimizer.state.sorted(by: { $0.key < $1.key }) {
            moments.append(SafetensorsEntry(name: "exp_avg." + name, shape: [s.expAvg.count], floats: s.expAvg))
            moments.append(SafetensorsEntry(name: "exp_avg_sq." + name, shape: [s.expAvgSq.count], floats: s.expAvgSq))
            steps[name] = String(s.step)
        }
        try SafetensorsWriter.write(moments, metadata: steps, to: temporary.appendingPathComponent(optimizerName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state), to: temporary.appendingPathComponent(stateName))
        if manager.fileExists(atPath: final.path) { try manager.removeItem(at: final) }
        try manager.moveItem(at: temporary, to: final)
        if keep > 0 { try prune(outputDir, keep: keep) }
        return final
    }

    /// Restores the trainable weights, optimizer moments and trainer state saved in `folder`
    /// into `model` (which must already carry the same adapter layout).
    public static func load(from folder: URL, into model: Module, optimizer: inout AdamW) throws -> TrainerState {
        let stateURL = folder.appendingPathComponent(stateName)
        guard let data = FileManager.default.contents(atPath: stateURL.path) else {
            throw TrainingError.checkpoint(path: stateURL.path, reason: "missing: not a checkpoint folder")
        }
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: data) } catch {
            throw TrainingError.checkpoint(path: stateURL.path, reason: "unreadable trainer state: \(error)")
        }
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        let adapterURL = folder.appendingPathComponent(AdapterFiles.weightsName)
        let weightsURL = FileManager.default.fileExists(atPath: adapterURL.path) ? adapterURL : folder.appendingPathComponent(weightsName)
        for (key, stored) in try SafetensorsFile(url: weightsURL).tensors {
            let name = AdapterFiles.parameterName(forAdapterKey: key)
            guard let target = parameters[name], target.shape == stored.shape else {
                throw TrainingError.checkpoint(path: weightsURL.path, reason: "tensor '\(key)' does not fit this model's parameters (a checkpoint of another model?)")
            }
            target.withUnsafeMutableBufferPointer { stored.decode(into: $0.baseAddress!) }
        }
        let optimizerURL = folder.appendingPathComponent(optimizerName)
        let file = try SafetensorsFile(url: optimizerURL)
        var restored: [String: AdamW.ParameterState] = [:]
        for (name, step) in file.metadata {
            guard let m = file.tensors["exp_avg." + name], let v = file.tensors["exp_avg_sq." + name], let s = Int(step),
                  let p = parameters[name], m.elementCount == p.count else {
                throw TrainingError.checkpoint(path: optimizerURL.path, reason: "optimizer state for '\(name)' is missing or does not fit")
            }
            restored[name] = AdamW.ParameterState(step: s, expAvg: m.floats(), expAvgSq: v.floats())
        }
        optimizer.state = restored
        for (path, generator) in state.generators {
            guard let lora = model.module(at: path) as? LoRALinear else {
                throw TrainingError.checkpoint(path: stateURL.path, reason: "random stream for '\(path)', which is not a LoRA layer here")
            }
            lora.generator = generator
        }
        return state
    }

    /// The newest checkpoint folder in `outputDir`, if any.
    public static func latest(in outputDir: URL) -> URL? {
        checkpoints(in: outputDir).last?.url
    }

    static func checkpoints(in outputDir: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDir.path)) ?? []
        return names.compactMap { name in
            guard name.hasPrefix("checkpoint-"), let step = Int(name.dropFirst("checkpoint-".count)) else { return nil }
            return (step, outputDir.appendingPathComponent(name))
        }.sorted { $0.step < $1.step }
    }

    static func prune(_ outputDir: URL, keep: Int) throws {
        let all = checkpoints(in: outputDir)
        for old in all.dropLast(keep) { try FileManager.default.removeItem(at: old.url) }
    }
}
