import Foundation
import Runtime

/// A model ready to answer: the network (with any adapter applied), its tokenizer, chat
/// template, the prompt template `/generate` and `eval` render rows with, and generation
/// defaults. `eval` and `serve` take one of these; they build it from paths with `load`, and
/// the session's loaded model can be handed over the same way.
///
/// The network is not thread-safe: whoever owns an `InferenceModel` runs one forward pass at a
/// time (the server does so on its single generation worker).
final class InferenceModel: @unchecked Sendable {
    /// What clients and reports call it (`/v1/models`, the eval table).
    let name: String
    let network: any CausalLM
    let tokenizer: any TextTokenizer
    let chatTemplate: ChatTemplate?
    let promptTemplate: PromptTemplate
    /// Greedy, the model's own stop tokens, 256 new tokens unless the checkpoint says otherwise.
    let defaults: SamplingOptions
    private let bosText: String?
    private let eosText: String?
    private let promptEncoder: ExampleTokenizer

    init(name: String, network: any CausalLM, tokenizer: Tokenizer, promptTemplate: String? = nil,
         generation: GenerationConfig? = nil, directory: URL? = nil) throws {
        self.name = name
        self.network = network
        self.tokenizer = tokenizer
        promptEncoder = try ExampleTokenizer(tokenizer: tokenizer)
        bosText = tokenizer.bosTokenId.flatMap(tokenizer.token)
        eosText = tokenizer.eosTokenId.flatMap(tokenizer.token)
        let template = try tokenizer.chatTemplate.map { try ChatTemplate(source: $0) }
        chatTemplate = template
        let (bos, eos) = (bosText, eosText)
        let renderer = try template.map { try ChatTemplateRenderer(template: $0, bosToken: bos, eosToken: eos) }
        let spec = promptTemplate ?? (renderer == nil ? "alpaca" : "chat")
        self.promptTemplate = try PromptTemplate.resolve(spec, renderer: renderer, directory: directory)
        var stops = Set(generation?.eosTokenIds ?? [])
        if let eos = tokenizer.eosTokenId { stops.insert(eos) }
        for terminator in ["<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|endoftext|>"] {
            if let id = tokenizer.tokenId(terminator) { stops.insert(id) }
        }
        defaults = SamplingOptions(maxNewTokens: generation?.maxNewTokens ?? 256, stopTokenIds: stops.sorted())
    }

    /// Loads `model` (an HF folder or a .gguf file) and, when given, applies the PEFT adapter
    /// in `adapter`. `template` names the prompt template (a built-in or a template file);
    /// without one, `chat` when the tokenizer has a chat template, else `alpaca`.
    /// `model` may also be an adapter folder: its base comes from `base_model_name_or_path`.
    static func load(model: URL, adapter: URL? = nil, template: String? = nil, name: String? = nil,
                     weights: WeightStorage = .float32) throws -> InferenceModel {
        if adapter == nil, FileManager.default.fileExists(atPath: model.appendingPathComponent(AdapterFiles.configName).path) {
            guard let base = try AdapterFiles.loadConfig(from: model).baseModelNameOrPath, !base.isEmpty else {
                throw LoRAError.adapter(file: model.appendingPathComponent(AdapterFiles.configName).path,
                                        reason: "no base_model_name_or_path: give the base model and adapter=\(model.path)")
            }
            let baseURL = base.hasPrefix("/") ? URL(fileURLWithPath: base) : model.appendingPathComponent(base)
            let resolved = FileManager.default.fileExists(atPath: baseURL.path) ? baseURL : URL(fileURLWithPath: base)
            return try load(model: resolved, adapter: model, template: template, name: name, weights: weights)
        }
        let checkpoint = try ModelCheckpoint.load(from: model)
        let network = weights == .packed ? try loadCausalLMKeepingQuantizedWeights(checkpoint).model : try loadCausalLM(checkpoint)
        if let adapter { try AdapterFiles.load(into: network, from: adapter) }
        let tokenizer = try checkpoint.ggufMetadata.map { try Tokenizer(gguf: $0, file: model.path) }
            ?? Tokenizer.load(folder: model)
        let label = name ?? (adapter.map { "\(model.lastPathComponent)+\($0.lastPathComponent)" } ?? model.lastPathComponent)
        return try InferenceModel(name: label, network: network, tokenizer: tokenizer, promptTemplate: template,
                                  generation: checkpoint.generation)
    }

    /// The chat template's text for `messages`, ending with the opening of the assistant turn.
    /// Throws when the model has no chat template or the template refuses the messages.
    func chatPrompt(_ messages: [ChatMessage]) throws -> String {
        guard let chatTemplate else { throw InferenceError.noChatTemplate(model: name) }
        return try chatTemplate.render(messages: messages, addGenerationPrompt: true, bosToken: bosText, eosToken: eosText)
    }

    /// The prompt template's text for an instruction row (what the model sees before its answer).
    func instructionPrompt(instruction: String, input: String) throws -> String {
        let row = DataRow(fields: [("instruction", .string(instruction)), ("input", .string(input)), ("output", .string(""))], line: 1)
        let example = SourceExample(content: .instruction(instruction: instruction, input: input, output: ""), row: row, index: 0)
        return try ModelEvaluation.item(example, template: promptTemplate).prompt
    }

    /// Token ids of a prompt, with the tokenizer's leading special tokens added once.
    func encodePrompt(_ text: String) -> [Int] { promptEncoder.encode(text) }
}

/// Why a model cannot do what was asked.
enum InferenceError: Error, CustomStringConvertible {
    case noChatTemplate(model: String)

    var description: String {
        switch self {
        case let .noChatTemplate(model): return "model '\(model)' has no chat template: use /v1/completions or /generate"
        }
    }
}
