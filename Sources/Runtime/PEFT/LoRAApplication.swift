import Foundation

/// Why LoRA could not be applied, loaded or saved; each case names what the user gave.
public enum LoRAError: Error, Equatable, CustomStringConvertible {
    case noTargetMatched(targets: [String], linearLayers: [String])
    case adapter(file: String, reason: String)

    public var description: String {
        switch self {
        case let .noTargetMatched(targets, layers):
            let names = Array(Set(layers.map { $0.split(separator: ".").last.map(String.init) ?? $0 })).sorted()
            return "LoRA target modules \(targets.joined(separator: ",")) match no linear layer (the model has: \(names.joined(separator: ", ")))"
        case let .adapter(file, reason):
            return "\(file): \(reason)"
        }
    }
}

/// What `applyLoRA` did, for the shell to show.
public struct LoRASummary: Sendable, Equatable {
    public var wrappedPaths: [String]
    public var trainableParameters: Int
    public var totalParameters: Int
}

/// Freezes `model` and wraps every targeted linear layer in a `LoRALinear` (PEFT's
/// `get_peft_model`). Biases train per `config.bias`. Throws when no layer matches.
@discardableResult
public func applyLoRA(_ config: LoRAConfig, to model: Module, seed: UInt64 = 42) throws -> LoRASummary {
    let linearPaths = model.namedModules().filter { $0.module is any LinearLayer && !($0.module is LoRALinear) }.map(\.path)
    let targets = linearPaths.filter { config.targets(path: $0) && !isInsideLoRA($0, model) }
    guard !targets.isEmpty else { throw LoRAError.noTargetMatched(targets: config.targetModules, linearLayers: linearPaths) }
    model.freeze()
    var generator = SeededGenerator(seed: seed)
    for path in targets {
        let base: any LinearLayer = model.module(at: path) as! any LinearLayer
        try model.replace(path: path, with: LoRALinear(wrapping: base, config: config, generator: &generator))
    }
    switch config.bias {
    case .none: break
    case .all: model.unfreeze(matching: "*.bias")
    case .loraOnly: for path in targets { model.unfreeze(matching: path + ".base_layer.bias") }
    }
    return LoRASummary(wrappedPaths: targets, trainableParameters: model.parameterCount(trainableOnly: true),
                       totalParameters: model.parameterCount())
}

private func isInsideLoRA(_ path: String, _ model: Module) -> Bool {
    var parts = path.split(separator: ".").map(String.init)
    while !parts.isEmpty {
        parts.removeLast()
        if model.module(at: parts.joined(separator: ".")) is LoRALinear { return true }
    }
    return false
}

/// Every LoRA layer of the tree with its dotted path.
public func loraLayers(of model: Module) -> [(path: String, layer: LoRALinear)] {
    model.namedModules().compactMap { entry in (entry.module as? LoRALinear).map { (entry.path, $0) } }
}

/// Folds every adapter into its base weight (W += scale B A) and puts plain `Linear` layers
/// back, so the model runs at base speed and exports as an ordinary HF checkpoint. Returns the
/// merged paths. The merged weights are new tensors; a memory-mapped base stays untouched.
/// A quantized base (NF4, int8, GGUF blocks) is merged into its dequantized weights, so the
/// merged layer is Float32; `mergeLoRAReporting` says which layers that happened to.
@discardableResult
public func mergeLoRA(into model: Module) -> [String] {
    mergeLoRAReporting(into: model).mergedPaths
}

/// What a merge did: every merged path, and those whose base was quantized and was merged
/// into its dequantized Float32 weight (QLoRA's merge: the result is no longer quantized).
public struct LoRAMerge: Sendable, Equatable {
    public var mergedPaths: [String]
    public var dequantizedPaths: [String]
}

/// `mergeLoRA`, reporting which bases were dequantized to merge.
@discardableResult
public func mergeLoRAReporting(into model: Module) -> LoRAMerge {
    var result = LoRAMerge(mergedPaths: [], dequantizedPaths: [])
    for (path, lora) in loraLayers(of: model) {
        let baseWeight: Tensor, bias: Tensor?
        if let base = lora.base as? Linear {
            (baseWeight, bias) = (base.weight, base.bias)
        } else if let packed = lora.base as? any PackedLinearLayer {
            (baseWeight, bias) = (packed.packedWeight.dequantized(), packed.bias)
            result.dequantizedPaths.append(path)
        } else {
            preconditionFailure("mergeLoRA: the base of \(path) is a \(type(of: lora.base)), neither Linear nor packed")
        }
        let weight = withNoGrad { baseWeight + lora.deltaWeight() }.detached()
        try? model.replace(path: path, with: Linear(weight: weight, bias: bias))
        result.mergedPaths.append(path)
    }
    return result
}
