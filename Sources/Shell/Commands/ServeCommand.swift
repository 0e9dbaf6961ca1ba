import Foundation
import Runtime
import Synchronization

/// `serve MODEL [adapter=DIR] [host=127.0.0.1] [port=8080] [token=...]`: the model behind an
/// HTTP API (`/generate`, OpenAI-compatible `/v1/completions` and `/v1/chat/completions`,
/// `/v1/models`, `/health`) until Ctrl-C.
enum ServeCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "serve",
            summary: "Serve a model (and adapter) over HTTP: /generate, OpenAI-compatible /v1/completions and /v1/chat/completions (stream=true as server-sent events), /v1/models, /health. Ctrl-C stops it.",
            positionals: [.required("model", .existingPath, "An HF model folder, a .gguf file, or an adapter folder (its base from adapter_config.json).")],
            options: [
                .optional("adapter", .existingPath, "A PEFT adapter folder to apply."),
                .optional("template", .string, "Prompt template for /generate: a built-in name or a template file (default: chat when the model has a chat template, else alpaca)."),
                .optional("host", .string, default: "127.0.0.1", "Address to bind; loopback keeps the server private to this machine."),
                .optional("port", .int, default: "8080", range: 0...65535, "TCP port (0 picks a free one)."),
                .optional("token", .string, "Bearer token required on every route (default: env SFT_SERVE_TOKEN, else none)."),
                .optional("queue", .int, default: "16", range: 0...10_000, "Requests that may wait while one generates; more get 503."),
                .optional("max_tokens", .int, default: "512", range: 1...100_000, "Cap on max_tokens per request."),
                .optional("max_body", .int, default: "1048576", range: 1024...1_073_741_824, "Largest request body in bytes (413 above)."),
                weightsOption,
            ],
            examples: ["serve models/smollm2", "serve models/smollm2 adapter=out/checkpoint-200 port=9000 token=$SFT_SERVE_TOKEN"]),
        run: { arguments, context in
            let model = try InferenceModel.load(model: URL(fileURLWithPath: arguments.path("model")!),
                                                adapter: arguments.path("adapter").map { URL(fileURLWithPath: $0) },
                                                template: arguments.string("template"), weights: weightStorage(arguments))
            var configuration = InferenceServer.Configuration()
            configuration.host = arguments.string("host")!
            configuration.port = arguments.int("port")!
            configuration.token = arguments.string("token") ?? ProcessInfo.processInfo.environment["SFT_SERVE_TOKEN"]
            configuration.queueCapacity = arguments.int("queue")!
            configuration.maxTokensCap = arguments.int("max_tokens")!
            configuration.maxBodyBytes = arguments.int("max_body")!
            try serve(model: model, configuration: configuration, output: context.output)
        })

    /// Runs the server until Ctrl-C (the shell's interrupt flag) and reports where it listens.
    static func serve(model: InferenceModel, configuration: InferenceServer.Configuration, output: Output) throws {
        let server = InferenceServer(model: model, configuration: configuration)
        let failure = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let listening = Mutex<Int?>(nil)
        let task = Task.detached {
            do {
                try await server.run(handleSignals: false) { port in listening.withLock { $0 = port } }
            } catch is CancellationError {
            } catch {
                failure.withLock { $0 = String(describing: error) }
            }
            done.signal()
        }
        var announced = false
        while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if !announced, let port = listening.withLock({ $0 }) {
                announced = true
                let auth = configuration.token == nil ? "no token" : "bearer token required"
                output.line("serving \(model.name) on http://\(configuration.host):\(port) (\(auth); Ctrl-C stops)")
            }
            if Interrupt.requested { task.cancel() }
        }
        if let message = failure.withLock({ $0 }) { throw ServeFailure(message: message) }
        output.line("server stopped")
    }
}

/// The server could not start or stopped on an error (e.g. the port is taken).
struct ServeFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { "the server stopped: \(message)" }
}
