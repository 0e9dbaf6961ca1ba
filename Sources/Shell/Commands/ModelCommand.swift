import Foundation
import Runtime

/// `weights=float32|packed`, shared by the verbs that load a model.
let weightsOption = ArgumentSpec.optional("weights", .choice(WeightStorage.allCases.map(\.rawValue)), default: "float32",
                                          "float32: dequantize GGUF blocks (trainable, exact); packed: keep them as they are "
                                          + "(frozen; fast generation, LoRA on top).")

/// The `weights=` argument's value (validated by the binder against the choices).
func weightStorage(_ arguments: Arguments) -> WeightStorage {
    arguments.string("weights").flatMap(WeightStorage.init(rawValue:)) ?? .float32
}

/// `model load PATH` and `model info`.
enum ModelCommand {
    static let load = CommandDefinition(
        spec: CommandSpec(
            verb: "model", subverb: "load",
            summary: "Load a model: an HF folder (config.json + safetensors) or a .gguf file, with the tokenizer and chat template beside it.",
            positionals: [.required("path", .existingPath, "The model folder or .gguf file.")],
            options: [weightsOption],
            examples: ["model load ~/.cache/sft/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf",
                       "model load ~/.cache/sft/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf weights=packed",
                       "model load out/merged"]),
        run: { arguments, context in
            let weights = weightStorage(arguments)
            let model = try LoadedModel.load(from: URL(fileURLWithPath: arguments.path("path")!), weights: weights)
            context.session.set(.model, model)
            context.session.set(.adapter, nil)
            context.output.line("loaded \(model.summary)")
            if model.fromGGUF {
                context.output.line(weights == .packed
                    ? "note: quantized GGUF weights kept packed and frozen (train LoRA on top; weights=float32 for full fine-tuning)"
                    : "note: quantized GGUF weights were dequantized to float32 (weights=packed keeps them packed)")
            }
        })

    static let info = CommandDefinition(
        spec: CommandSpec(
            verb: "model", subverb: "info",
            summary: "Show the loaded model: architecture, sizes, tokenizer, chat template, stop tokens, adapter.",
            examples: ["model info"]),
        run: { _, context in
            let model = try context.session.requireModel()
            let c = model.config
            let stops = model.stopTokenIds.map { "\($0) \(model.tokenizer.token($0).map { "(\($0))" } ?? "")" }
            var rows: [[String]] = [
                ["source", model.source.path],
                ["model_type", c.modelType],
                ["layers", String(c.numHiddenLayers)],
                ["hidden size", String(c.hiddenSize)],
                ["heads (kv)", "\(c.numAttentionHeads) (\(c.numKeyValueHeads))"],
                ["vocab", String(c.vocabSize)],
                ["context", String(c.maxPositionEmbeddings)],
                ["parameters", formatCount(model.network.parameterCount())],
                ["trainable", formatCount(model.network.parameterCount(trainableOnly: true))],
                ["tokenizer", "\(model.tokenizer.vocabularySize) tokens, bos \(model.tokenizer.config.bosToken ?? "none"), eos \(model.tokenizer.config.eosToken ?? "none")"],
                ["chat template", model.chatRenderer == nil ? "none" : "yes\(model.chatRenderer!.rendersBOS ? " (writes BOS)" : "")"],
                ["stop tokens", stops.joined(separator: ", ")],
            ]
            if let lora = model.lora { rows.append(["adapter", "LoRA r=\(lora.r) alpha=\(formatNumber(lora.alpha))"]) }
            context.output.table(["property", "value"], rows)
        })
}

/// `tokenizer load PATH`, `tokenizer encode TEXT`, `tokenizer decode IDS`.
enum TokenizerCommand {
    static let load = CommandDefinition(
        spec: CommandSpec(
            verb: "tokenizer", subverb: "load",
            summary: "Load a tokenizer on its own (a folder with tokenizer.json or vocab.json+merges.txt, or a .gguf file).",
            positionals: [.required("path", .existingPath, "The tokenizer folder or .gguf file.")],
            examples: ["tokenizer load Tests/Fixtures/tokenizers/gpt2"]),
        run: { arguments, context in
            let path = arguments.path("path")!
            let tokenizer = try Tokenizer.load(model: URL(fileURLWithPath: path), readGGUF: { try GGUFFile(url: $0).metadata })
            let loaded = LoadedTokenizer(tokenizer: tokenizer, source: path)
            context.session.set(.tokenizer, loaded)
            context.output.line("loaded tokenizer \(loaded.summary)")
        })

    static let encode = CommandDefinition(
        spec: CommandSpec(
            verb: "tokenizer", subverb: "encode",
            summary: "Show the token ids of a text (the loaded tokenizer's, else the model's).",
            positionals: [.required("text", .string, "The text to encode.")],
            options: [.optional("special", .bool, default: "true", "Add the tokenizer's special tokens (BOS).")],
            examples: ["tokenizer encode \"Hello world\"", "tokenizer encode \"Hi\" special=false"]),
        run: { arguments, context in
            let tokenizer = try current(context)
            let ids = tokenizer.encode(arguments.string("text")!, addSpecialTokens: arguments.bool("special")!)
            context.output.line(ids.map(String.init).joined(separator: ","))
            context.output.line(ids.map { tokenizer.token($0) ?? "?" }.joined(separator: " | "))
            context.output.line("\(ids.count) tokens")
        })

    static let decode = CommandDefinition(
        spec: CommandSpec(
            verb: "tokenizer", subverb: "decode",
            summary: "Show the text of token ids.",
            positionals: [.required("ids", .list(.int), "Comma-separated token ids.")],
            options: [.optional("skip_special", .bool, default: "false", "Leave special tokens out.")],
            examples: ["tokenizer decode 15496,995"]),
        run: { arguments, context in
            let tokenizer = try current(context)
            let ids = arguments.list("ids")!.compactMap { Int($0) }
            let text = try tokenizer.decodeStrict(ids, skipSpecialTokens: arguments.bool("skip_special")!)
            context.output.line(text)
        })

    private static func current(_ context: CommandContext) throws -> Tokenizer {
        if let loaded = context.session.value(.tokenizer) { return loaded.tokenizer }
        if let model = context.session.value(.model) { return model.tokenizer }
        throw WorkbenchError("no tokenizer: use `tokenizer load PATH` or `model load PATH` first")
    }
}
