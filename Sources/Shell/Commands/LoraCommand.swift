import Foundation
import Runtime

/// `lora r= alpha= dropout= targets= [bias=] [rslora=] [seed=]`: wraps the model's linear layers.
enum LoraCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "lora",
            summary: "Apply LoRA to the model: freeze the base, add trainable low-rank adapters to the target layers (PEFT's defaults).",
            options: [.optional("r", .int, default: "8", range: 1...4096, "The adapter rank."),
                      .optional("alpha", .float, default: "8", range: 0...1_000_000, "Scale numerator: scale = alpha / r."),
                      .optional("dropout", .float, default: "0", range: 0...0.99, "Dropout on the adapter's input."),
                      .optional("targets", .list(.string), default: "q_proj,v_proj",
                                "Layer names to adapt, or all-linear (every linear layer but the output head)."),
                      .optional("bias", .choice(["none", "all", "lora_only"]), default: "none", "Which biases train."),
                      .optional("rslora", .bool, default: "false", "Rank-stabilized scale alpha / sqrt(r)."),
                      .optional("seed", .int, default: "42", range: 0...Double(UInt32.max), "Seed of the adapters' initialization.")],
            examples: ["lora r=16 alpha=32 dropout=0.05 targets=all-linear", "lora r=8 targets=q_proj,v_proj"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let config = LoRAConfig(r: arguments.int("r")!, alpha: arguments.double("alpha")!,
                                    dropout: arguments.double("dropout")!, targetModules: arguments.list("targets")!,
                                    bias: LoRAConfig.Bias(rawValue: arguments.string("bias")!)!,
                                    useRSLoRA: arguments.bool("rslora")!)
            let summary = try model.applyLoRA(config, seed: UInt64(arguments.int("seed")!))
            let state = AdapterState(config: model.lora!, layers: summary.wrappedPaths.count,
                                     trainable: summary.trainableParameters, savedAt: nil)
            context.session.set(.adapter, state)
            let percent = 100 * Double(summary.trainableParameters) / Double(max(summary.totalParameters, 1))
            context.output.line("LoRA on \(summary.wrappedPaths.count) layers: \(formatCount(summary.trainableParameters)) trainable of "
                + "\(formatCount(summary.totalParameters)) parameters (\(String(format: "%.2f", percent))%)")
        })
}

/// `adapter save PATH` and `adapter load PATH`: PEFT adapter folders.
enum AdapterCommand {
    static let save = CommandDefinition(
        spec: CommandSpec(
            verb: "adapter", subverb: "save",
            summary: "Save the applied LoRA adapter as a PEFT folder (adapter_config.json + adapter_model.safetensors).",
            positionals: [.required("path", .path, "The folder to write.")],
            examples: ["adapter save out/adapter"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let path = arguments.path("path")!
            try model.saveAdapter(to: URL(fileURLWithPath: path))
            if var state = context.session.value(.adapter) {
                state.savedAt = path
                context.session.set(.adapter, state)
            }
            context.output.line("saved adapter to \(path)")
        })

    static let load = CommandDefinition(
        spec: CommandSpec(
            verb: "adapter", subverb: "load",
            summary: "Apply a PEFT LoRA adapter folder to the loaded model.",
            positionals: [.required("path", .existingPath, "The adapter folder.")],
            examples: ["adapter load out/adapter"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let path = arguments.path("path")!
            let config = try model.loadAdapter(from: URL(fileURLWithPath: path))
            let state = AdapterState(config: config, layers: loraLayers(of: model.network).count,
                                     trainable: model.network.parameterCount(trainableOnly: true), savedAt: path)
            context.session.set(.adapter, state)
            context.output.line("loaded adapter: \(state.summary)")
        })
}

/// `merge`: folds the adapter into the base weights.
enum MergeCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "merge",
            summary: "Merge the LoRA adapter into the base weights (W += alpha/r * B A); the model then runs and exports as a plain model.",
            examples: ["merge"]),
        run: { _, context in
            let model = try context.session.requireModel()
            let paths = try model.merge()
            context.session.set(.adapter, nil)
            context.session.set(.model, model)
            context.output.line("merged \(paths.count) adapter layers into the base weights")
            if model.fromGGUF { context.output.line("note: merged into the dequantized float32 weights of the GGUF model") }
        })
}

/// `export PATH`: the model as an HF folder.
enum ExportCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "export",
            summary: "Write the model as an HF folder (config.json + model.safetensors + tokenizer files); merge an adapter first.",
            positionals: [.required("path", .path, "The folder to write.")],
            examples: ["export out/merged"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let exported = try model.export(to: URL(fileURLWithPath: arguments.path("path")!))
            var line = "exported \(exported.tensors) tensors to \(exported.folder.path)"
            if !exported.copiedFiles.isEmpty { line += " (with \(exported.copiedFiles.joined(separator: ", ")))" }
            context.output.line(line)
            if exported.copiedFiles.isEmpty {
                context.output.line("note: the source has no tokenizer files to copy (a .gguf holds its tokenizer in its metadata)")
            }
        })
}
