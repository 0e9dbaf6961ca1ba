import Foundation
import Hummingbird
import NIOCore
import Runtime

/// The routes of `sft serve` and the middleware in front of them (errors as JSON, bearer token).
struct ServerRoutes: Sendable {
    let model: InferenceModel
    let worker: GenerationWorker
    let configuration: InferenceServer.Configuration

    func router() -> Router<ServeRequestContext> {
        let router = Router(context: ServeRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        if let token = configuration.token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        router.get("/health") { _, _ in
            let counts = worker.counts
            return try json(.object(["status": .string("ok"), "model": .string(model.name), "queued": .int(counts.queued),
                                     "completed": .int(counts.completed), "cancelled": .int(counts.cancelled)]))
        }
        router.get("/v1/models") { _, _ in
            try json(.object(["object": .string("list"), "data": .array([.object([
                "id": .string(model.name), "object": .string("model"), "created": .int(0), "owned_by": .string("sft")])])]))
        }
        router.post("/generate") { request, context in try await generateInstruction(request, context) }
        router.post("/v1/completions") { request, context in try await complete(request, context, chat: false) }
        router.post("/v1/chat/completions") { request, context in try await complete(request, context, chat: true) }
        return router
    }

    /// `{"instruction", "input"}` through the prompt template -> `{"output", token counts, timing}`.
    private func generateInstruction(_ request: Request, _ context: ServeRequestContext) async throws -> Response {
        let bytes = try await body(of: request)
        let fields = try decodeBody(InstructionRequest.self, from: bytes)
        let sampling = try decodeBody(SamplingFields.self, from: bytes)
        guard sampling.stream != true else { throw APIError.badRequest("/generate does not stream: use /v1/completions") }
        let prompt = try render { try model.instructionPrompt(instruction: fields.instruction, input: fields.input ?? "") }
        let (generation, queueSeconds) = try await collect(
            try start(prompt: prompt, options: try sampling.options(defaults: model.defaults, cap: configuration.maxTokensCap),
                      context: context))
        let tokensPerSecond = generation.decodeSeconds > 0 ? Double(generation.tokens.count) / generation.decodeSeconds : 0
        return try json(.object([
            "output": .string(generation.text), "finish_reason": .string(finishReason(generation.finishReason)),
            "prompt_tokens": .int(generation.promptTokens), "completion_tokens": .int(generation.tokens.count),
            "timing": .object(["queue_seconds": .double(queueSeconds), "prefill_seconds": .double(generation.prefillSeconds),
                               "decode_seconds": .double(generation.decodeSeconds),
                               "tokens_per_second": .double(tokensPerSecond)]),
        ]))
    }

    /// OpenAI's completions and chat completions, whole or streamed as server-sent events.
    private func complete(_ request: Request, _ context: ServeRequestContext, chat: Bool) async throws -> Response {
        let bytes = try await body(of: request)
        let sampling = try decodeBody(SamplingFields.self, from: bytes)
        let prompt: String
        if chat {
            let messages = try decodeBody(ChatRequest.self, from: bytes).messages
            guard !messages.isEmpty else { throw APIError.badRequest("'messages' is empty: give at least one message") }
            prompt = try render { try model.chatPrompt(messages) }
        } else {
            prompt = try decodeBody(CompletionRequest.self, from: bytes).prompt
        }
        let options = try sampling.options(defaults: model.defaults, cap: configuration.maxTokensCap)
        let job = try start(prompt: prompt, options: options, context: context)
        let shape = CompletionShape(chat: chat, model: model.name)
        guard sampling.stream == true else {
            let (generation, _) = try await collect(job)
            return try json(shape.whole(generation))
        }
        let body = ResponseBody { writer in
            var finished = false
            defer { if !finished { job.cancellation.cancel() } }
            if chat { try await writer.write(shape.event(delta: nil, role: true)) }
            var streamed = ""
            for await event in job.events {
                switch event {
                case .started: break
                case let .text(piece):
                    streamed += piece
                    try await writer.write(shape.event(delta: piece))
                case let .finished(generation):
                    // Text held back while it ended in an incomplete character comes with the end.
                    if generation.text.count > streamed.count, generation.text.hasPrefix(streamed) {
                        try await writer.write(shape.event(delta: String(generation.text.dropFirst(streamed.count))))
                    }
                    try await writer.write(shape.event(delta: nil, finish: generation.finishReason))
                }
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            finished = true
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    private func body(of request: Request) async throws -> [UInt8] {
        do {
            return Array(buffer: try await request.body.collect(upTo: configuration.maxBodyBytes))
        } catch is NIOTooManyBytesError {
            throw APIError(status: .contentTooLarge, message: "the body is larger than \(configuration.maxBodyBytes) bytes")
        }
    }

    /// Template errors come from user text: a 400 that says why.
    private func render(_ body: () throws -> String) throws -> String {
        do { return try body() } catch let error as APIError { throw error } catch {
            throw APIError.badRequest(String(describing: error))
        }
    }

    /// Tokenizes, checks the prompt fits the context, and queues the generation (503 when full).
    /// The connection closing (the client went away) cancels it, queued or running.
    private func start(prompt: String, options: SamplingOptions, context: ServeRequestContext) throws -> QueuedGeneration {
        let ids = model.encodePrompt(prompt)
        let window = model.network.config.maxPositionEmbeddings
        guard !ids.isEmpty else { throw APIError.badRequest("the prompt is empty") }
        guard ids.count < window else {
            throw APIError.badRequest("the prompt has \(ids.count) tokens; the model's context is \(window)")
        }
        guard let job = worker.submit(prompt: ids, options: options) else {
            throw APIError(status: .serviceUnavailable,
                           message: "the server is busy: \(configuration.queueCapacity) requests are already waiting; retry later")
        }
        context.channel.closeFuture.whenComplete { _ in job.cancellation.cancel() }
        return job
    }

    /// Waits for a queued generation; leaving early (the client went away) cancels it.
    private func collect(_ job: QueuedGeneration) async throws -> (Generation, Double) {
        let queued = Date()
        var started: Date?
        var result: Generation?
        await withTaskCancellationHandler {
            for await event in job.events {
                switch event {
                case .started: started = Date()
                case .text: break
                case let .finished(generation): result = generation
                }
            }
        } onCancel: { job.cancellation.cancel() }
        guard let result else { throw APIError(status: .serviceUnavailable, message: "the server is shutting down") }
        let queueSeconds = (started ?? queued).timeIntervalSince(queued)
        return (result, queueSeconds)
    }
}

/// The request context of `sft serve`: Hummingbird's, plus the connection, whose closing
/// cancels the request's generation.
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The OpenAI `finish_reason` of a generation.
func finishReason(_ reason: FinishReason) -> String {
    reason == .length ? "length" : "stop"
}

func json(_ value: JSONField, status: HTTPResponse.Status = .ok) throws -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: ResponseBody(byteBuffer: ByteBuffer(bytes: try jsonBytes(value))))
}

/// Turns every error into a JSON error response, so no route (or missing route) answers
/// anything but JSON; errors that are not the client's become 500s.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            throw APIError(status: .notFound, message: "no route \(request.method) \(request.uri.path)")
        } catch let error as HTTPError {
            throw APIError(status: error.status, message: error.body ?? error.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            throw APIError(status: error.status, message: error.status.reasonPhrase)
        } catch {
            throw APIError(status: .internalServerError, message: "internal error: \(error)")
        }
    }
}

/// Requires `Authorization: Bearer <token>` on every request; compares in constant time.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let given = request.headers[.authorization].flatMap { value -> Substring? in
            value.hasPrefix("Bearer ") ? value.dropFirst("Bearer ".count) : nil
        }
        guard let given, Self.equal(Array(given.utf8), Array(token.utf8)) else {
            throw APIError(status: .unauthorized, message: "missing or wrong bearer token (Authorization: Bearer <token>)")
        }
        return try await next(request, context)
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) { difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
        return difference == 0
    }
}
