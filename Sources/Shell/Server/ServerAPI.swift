import Foundation
import Hummingbird
import Runtime

/// A request the server refuses or cannot serve: its status and a message, sent as
/// `{"error": {"message", "type", "code"}}` (OpenAI's error shape).
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }

    var type: String {
        switch status.code {
        case 401: return "authentication_error"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 413: return "request_too_large"
        case 503: return "server_busy"
        case 400..<500: return "invalid_request_error"
        default: return "server_error"
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if status == .serviceUnavailable { headers[.retryAfter] = "1" }
        let body = JSONField.object(["error": .object(["message": .string(message), "type": .string(type),
                                                        "code": .int(status.code)])])
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try jsonBytes(body))))
    }
}

/// A JSON value the server writes (response bodies and stream chunks).
indirect enum JSONField: Encodable, Sendable {
    case string(String), int(Int), double(Double), bool(Bool), null
    case object([String: JSONField]), array([JSONField])

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .string(s): try c.encode(s)
        case let .int(i): try c.encode(i)
        case let .double(d): try c.encode(d.isFinite ? d : 0)
        case let .bool(b): try c.encode(b)
        case .null: try c.encodeNil()
        case let .object(o): try c.encode(o)
        case let .array(a): try c.encode(a)
        }
    }
}

/// Sorted keys, slashes left alone: stable bytes for clients and tests.
func jsonBytes(_ value: some Encodable) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return Array(try encoder.encode(value))
}

/// Sampling fields shared by every generation route (OpenAI's names). Absent fields take the
/// model's defaults (greedy decoding, its stop tokens).
struct SamplingFields: Decodable {
    var max_tokens: Int?
    var temperature: Double?
    var top_p: Double?
    var top_k: Int?
    var seed: UInt64?
    var repetition_penalty: Double?
    var stop: StopField?
    var stream: Bool?

    /// The model's defaults with these fields applied; `max_tokens` is capped at `cap`.
    func options(defaults: SamplingOptions, cap: Int) throws -> SamplingOptions {
        var o = defaults
        if let n = max_tokens {
            guard n > 0 else { throw APIError.badRequest("'max_tokens' must be a positive integer, got \(n)") }
            o.maxNewTokens = n
        }
        o.maxNewTokens = min(o.maxNewTokens, cap)
        if let t = temperature {
            guard t.isFinite, t >= 0, t <= 100 else { throw APIError.badRequest("'temperature' must be in 0...100, got \(t)") }
            o.temperature = t
        }
        if let p = top_p {
            guard p.isFinite, p > 0, p <= 1 else { throw APIError.badRequest("'top_p' must be in (0, 1], got \(p)") }
            o.topP = p
        }
        if let k = top_k {
            guard k >= 0 else { throw APIError.badRequest("'top_k' must be >= 0, got \(k)") }
            o.topK = k
        }
        if let r = repetition_penalty {
            guard r.isFinite, r > 0 else { throw APIError.badRequest("'repetition_penalty' must be > 0, got \(r)") }
            o.repetitionPenalty = r
        }
        if let seed { o.seed = seed }
        if let stop {
            guard stop.values.count <= 4, !stop.values.contains(where: \.isEmpty) else {
                throw APIError.badRequest("'stop' takes up to 4 non-empty strings")
            }
            o.stopStrings = stop.values
        }
        return o
    }
}

/// OpenAI's `stop`: one string or a list of strings.
struct StopField: Decodable {
    var values: [String]

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let one = try? c.decode(String.self) { values = [one] } else { values = try c.decode([String].self) }
    }
}

/// `POST /generate`: one instruction row rendered through the prompt template.
struct InstructionRequest: Decodable {
    var instruction: String
    var input: String?
}

/// `POST /v1/completions`.
struct CompletionRequest: Decodable {
    var prompt: String
    var model: String?
}

/// `POST /v1/chat/completions`.
struct ChatRequest: Decodable {
    var messages: [ChatMessage]
    var model: String?
}

/// Decodes a request body, turning every way it can be wrong into a 400 that says what and where.
func decodeBody<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
    guard String(validating: bytes, as: UTF8.self) != nil else {
        throw APIError.badRequest("the body is not valid UTF-8")
    }
    guard !bytes.isEmpty else { throw APIError.badRequest("the body is empty: expected a JSON object") }
    do {
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch let error as DecodingError {
        throw APIError.badRequest(describe(error))
    }
}

private func describe(_ error: DecodingError) -> String {
    func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
    switch error {
    case let .keyNotFound(key, context):
        let parent = path(context.codingPath)
        return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
    case let .typeMismatch(expected, context), let .valueNotFound(expected, context):
        let name = context.codingPath.isEmpty ? "the body" : "field '\(path(context.codingPath))'"
        return "\(name): expected \(jsonTypeName(expected))"
    case let .dataCorrupted(context):
        if context.codingPath.isEmpty { return "malformed JSON: the body must be one JSON object" }
        return "field '\(path(context.codingPath))': \(context.debugDescription)"
    @unknown default:
        return "invalid request body"
    }
}

private func jsonTypeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Bool.Type: return "a boolean"
    case is Int.Type, is UInt64.Type: return "an integer"
    case is Double.Type: return "a number"
    case is [Any].Type: return "a list"
    default: return "an object"
    }
}
