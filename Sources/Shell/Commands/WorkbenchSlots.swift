import Foundation
import Runtime

/// The workbench's state in the session: what `show` lists and the verbs share.
extension LoadedModel: SessionState {}

extension WorkingData: SessionState {}

/// A tokenizer loaded on its own (`tokenizer load`); the model's tokenizer is used otherwise.
struct LoadedTokenizer: SessionState {
    var tokenizer: Tokenizer
    var source: String
    var summary: String { "\(URL(fileURLWithPath: source).lastPathComponent): \(tokenizer.vocabularySize) tokens" }
}

/// The last training or evaluation result.
struct LastMetrics: SessionState {
    var values: [(name: String, value: String)]
    var summary: String { values.map { "\($0.name) \($0.value)" }.joined(separator: ", ") }
}

/// The adapter applied to the model: where it came from or was last saved.
struct AdapterState: SessionState {
    var config: LoRAConfig
    var layers: Int
    var trainable: Int
    var savedAt: String?
    var summary: String {
        var text = "LoRA r=\(config.r) alpha=\(formatNumber(config.alpha)) dropout=\(config.dropout) on \(layers) layers "
            + "(\(config.targetModules.joined(separator: ","))), \(formatCount(trainable)) trainable"
        if let savedAt { text += ", saved at \(savedAt)" }
        return text
    }
}

extension SessionSlot where Value == LoadedModel { static let model = SessionSlot(name: "model") }
extension SessionSlot where Value == WorkingData { static let data = SessionSlot(name: "data") }
extension SessionSlot where Value == LoadedTokenizer { static let tokenizer = SessionSlot(name: "tokenizer") }
extension SessionSlot where Value == AdapterState { static let adapter = SessionSlot(name: "adapter") }
extension SessionSlot where Value == LastMetrics { static let metrics = SessionSlot(name: "metrics") }

extension Session {
    /// The loaded model, or an error telling the user to load one.
    func requireModel() throws -> LoadedModel {
        guard let model = value(.model) else { throw WorkbenchError("no model loaded: use `model load PATH` first") }
        return model
    }

    /// The loaded data, or an error telling the user to load some.
    func requireData() throws -> WorkingData {
        guard let data = value(.data) else { throw WorkbenchError("no data loaded: use `data load PATH` first") }
        return data
    }
}

/// Renders sampling arguments shared by `generate` and `chat`.
enum SamplingArguments {
    static let specs: [ArgumentSpec] = [
        .optional("max_tokens", .int, default: "128", range: 1...100_000, "Most new tokens to generate."),
        .optional("temperature", .float, default: "0", range: 0...100, "0 picks the most likely token (greedy)."),
        .optional("top_k", .int, default: "0", range: 0...1_000_000, "Sample among the k most likely tokens (0: all)."),
        .optional("top_p", .float, default: "1", range: 0...1, "Sample within this cumulative probability."),
        .optional("seed", .int, default: "42", range: 0...Double(UInt32.max), "Seed of the sampler."),
    ]

    static func options(_ arguments: Arguments) -> SamplingOptions {
        SamplingOptions(maxNewTokens: arguments.int("max_tokens")!, temperature: arguments.double("temperature")!,
                        topK: arguments.int("top_k")!, topP: arguments.double("top_p")!,
                        seed: UInt64(arguments.int("seed")!))
    }
}
