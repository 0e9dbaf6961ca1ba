import Foundation
import Hummingbird
import Logging

/// `sft serve`: an HTTP server over one `InferenceModel`, on Hummingbird 2.
///
///     let server = InferenceServer(model: model, configuration: .init(port: 0))
///     try await server.run { port in print("listening on \(port)") }
///
/// Generation runs on one worker thread, one request at a time; requests wait in a bounded
/// queue and get 503 when it is full. Every problem with a request is a 4xx JSON error; the
/// server keeps serving.
struct InferenceServer: Sendable {
    struct Configuration: Sendable {
        /// Loopback unless told otherwise: nothing else can reach the server.
        var host = "127.0.0.1"
        /// 0 picks a free port (reported to `run`'s `onListening`).
        var port = 8080
        /// When set, every route needs `Authorization: Bearer <token>`.
        var token: String?
        /// Requests that may wait behind the one generating.
        var queueCapacity = 16
        /// The most new tokens one request may ask for (larger `max_tokens` are cut to this).
        var maxTokensCap = 512
        /// Bodies larger than this get 413.
        var maxBodyBytes = 1 << 20
    }

    let model: InferenceModel
    let configuration: Configuration
    /// Runs every generation; stopped when `run` returns.
    let worker: GenerationWorker

    init(model: InferenceModel, configuration: Configuration) {
        self.model = model
        self.configuration = configuration
        worker = GenerationWorker(model: model, queueCapacity: configuration.queueCapacity)
    }

    /// Serves until the task is cancelled (or, with `handleSignals`, SIGINT/SIGTERM arrives).
    /// `onListening` gets the bound port once the socket is open.
    func run(handleSignals: Bool = true, onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        defer { worker.stop() }
        let routes = ServerRoutes(model: model, worker: worker, configuration: configuration)
        var logger = Logger(label: "sft-serve")
        logger.logLevel = .critical
        let app = Application(router: routes.router(),
                              configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                   serverName: "sft"),
                              onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
                              logger: logger)
        if handleSignals { try await app.runService() } else { try await app.run() }
    }
}
