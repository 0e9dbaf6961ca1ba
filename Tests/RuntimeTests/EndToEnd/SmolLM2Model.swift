import Foundation
import Runtime
import XCTest

/// SmolLM2-135M-Instruct from its GGUF (`scripts/fetch-model smollm2-135m-instruct`), loaded
/// once per test process: the model, its tokenizer and chat template from the GGUF metadata.
/// Tests call `SmolLM2.load()`, which skips them with a visible message when the file is absent.
struct SmolLM2: @unchecked Sendable {
    let model: any CausalLM
    let tokenizer: Tokenizer
    let template: ChatTemplate
    let metadata: [String: GGUFValue]


    static var url: URL { ModelCache.smolLM2 }

    private static let shared: Result<SmolLM2, any Error>? = {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return Result {
            let checkpoint = try ModelCheckpoint.load(from: url)
            let metadata = checkpoint.ggufMetadata ?? [:]
            guard let source = metadata["tokenizer.chat_template"]?.stringValue else {
                throw CheckpointError.missingTensor(file: url.path, tensor: "tokenizer.chat_template")
            }
            return SmolLM2(model: try loadCausalLM(checkpoint), tokenizer: try Tokenizer(gguf: metadata, file: url.path),
                           template: try ChatTemplate(source: source), metadata: metadata)
        }
    }()

    static func load() throws -> SmolLM2 {
        guard let shared else {
            throw XCTSkip("SmolLM2 model absent at \(url.path): run scripts/fetch-model smollm2-135m-instruct")
        }
        return try shared.get()
    }

    /// The chat prompt as the model's own template renders it, with the generation prompt.
    func render(user text: String) throws -> String {
        try template.render(messages: [ChatMessage(role: "user", content: text)], addGenerationPrompt: true)
    }
}
