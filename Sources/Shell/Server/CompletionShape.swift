import Foundation
import Hummingbird
import Runtime

/// The bodies of OpenAI's completion responses: whole (`text_completion`, `chat.completion`)
/// and streamed chunks (`data: {...}\n\n` server-sent events), for one request.
struct CompletionShape: Sendable {
    let chat: Bool
    let model: String
    let id: String
    let created: Int

    init(chat: Bool, model: String) {
        self.chat = chat
        self.model = model
        id = (chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        created = Int(Date().timeIntervalSince1970)
    }

    private func envelope(object: String, choice: [String: JSONField], usage: JSONField? = nil) -> JSONField {
        var fields: [String: JSONField] = ["id": .string(id), "object": .string(object), "created": .int(created),
                                           "model": .string(model), "choices": .array([.object(choice)])]
        if let usage { fields["usage"] = usage }
        return .object(fields)
    }

    /// The whole answer with its usage counts.
    func whole(_ generation: Generation) -> JSONField {
        let usage = JSONField.object(["prompt_tokens": .int(generation.promptTokens),
                                      "completion_tokens": .int(generation.tokens.count),
                                      "total_tokens": .int(generation.promptTokens + generation.tokens.count)])
        var choice: [String: JSONField] = ["index": .int(0), "finish_reason": .string(finishReason(generation.finishReason))]
        if chat {
            choice["message"] = .object(["role": .string("assistant"), "content": .string(generation.text)])
        } else {
            choice["text"] = .string(generation.text)
            choice["logprobs"] = .null
        }
        return envelope(object: chat ? "chat.completion" : "text_completion", choice: choice, usage: usage)
    }

    /// One server-sent event: a piece of text, the opening role (chat), or the finish reason.
    func event(delta: String?, role: Bool = false, finish: FinishReason? = nil) throws -> ByteBuffer {
        var choice: [String: JSONField] = ["index": .int(0), "finish_reason": finish.map { .string(finishReason($0)) } ?? .null]
        if chat {
            var d: [String: JSONField] = [:]
            if role { d["role"] = .string("assistant") }
            if let delta { d["content"] = .string(delta) }
            choice["delta"] = .object(d)
        } else {
            choice["text"] = .string(delta ?? "")
            choice["logprobs"] = .null
        }
        let chunk = envelope(object: chat ? "chat.completion.chunk" : "text_completion", choice: choice)
        return ByteBuffer(bytes: Array("data: ".utf8) + (try jsonBytes(chunk)) + Array("\n\n".utf8))
    }
}
