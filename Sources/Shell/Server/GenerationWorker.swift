import Foundation
import Runtime

/// Set by a request's handler when its client is gone; read by the generation loop through
/// `onText`, which then answers false and the generation ends as `cancelled`.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// What a queued generation reports back, in order: `started` (it left the queue), text
/// pieces, then one `finished`.
enum GenerationEvent: Sendable {
    case started
    case text(String)
    case finished(Generation)
}

/// A generation in the worker's queue: its events, and the flag that stops it.
struct QueuedGeneration: Sendable {
    var events: AsyncStream<GenerationEvent>
    var cancellation: CancellationFlag
}

/// Runs generations one at a time on its own thread (the network is not thread-safe, and one
/// decode at a time is also the fastest use of two cores). Requests wait in a bounded queue;
/// `submit` refuses when it is full, and the server answers 503.
final class GenerationWorker: @unchecked Sendable {
    /// Counts since start, for `/health`.
    struct Counts: Sendable, Equatable {
        var queued = 0
        var completed = 0
        /// Generations stopped (or never started) because their client went away.
        var cancelled = 0
    }

    let model: InferenceModel
    /// Jobs that may wait behind the running one.
    let queueCapacity: Int
    private let condition = NSCondition()
    private var waiting: [@Sendable () -> Void] = []
    private var stopped = false
    private var finished = Counts()

    init(model: InferenceModel, queueCapacity: Int) {
        self.model = model
        self.queueCapacity = queueCapacity
        let thread = Thread { [self] in loop() }
        thread.name = "sft-generation"
        thread.start()
    }

    var counts: Counts {
        condition.withLock {
            var c = finished
            c.queued = waiting.count
            return c
        }
    }

    /// Queues a generation. Nil when the queue is full. Ending the stream's iteration (the
    /// handler's task is cancelled) cancels the job, as does its flag.
    func submit(prompt: [Int], options: SamplingOptions) -> QueuedGeneration? {
        let cancellation = CancellationFlag()
        let (stream, continuation) = AsyncStream.makeStream(of: GenerationEvent.self, bufferingPolicy: .unbounded)
        continuation.onTermination = { _ in cancellation.cancel() }
        let accepted = enqueue { [self] in
            defer { continuation.finish() }
            // A job whose client left while it waited never runs.
            guard !cancellation.isCancelled else { count(cancelled: true); return }
            continuation.yield(.started)
            let generation = generate(model.network, tokenizer: model.tokenizer, prompt: prompt, options: options) { piece in
                if cancellation.isCancelled { return false }
                continuation.yield(.text(piece))
                return true
            }
            count(cancelled: generation.finishReason == .cancelled)
            continuation.yield(.finished(generation))
        }
        return accepted ? QueuedGeneration(events: stream, cancellation: cancellation) : nil
    }

    /// Queues any work for the worker thread (it runs alone, like a generation). False when
    /// the queue is full or the worker has stopped.
    func enqueue(_ work: @escaping @Sendable () -> Void) -> Bool {
        condition.withLock {
            guard !stopped, waiting.count < queueCapacity else { return false }
            waiting.append(work)
            condition.signal()
            return true
        }
    }

    /// Ends the thread after the running job; queued jobs are dropped (their streams end).
    func stop() {
        condition.withLock {
            stopped = true
            condition.signal()
        }
    }

    private func count(cancelled: Bool) {
        condition.withLock { if cancelled { finished.cancelled += 1 } else { finished.completed += 1 } }
    }

    private func loop() {
        while true {
            condition.lock()
            while waiting.isEmpty && !stopped { condition.wait() }
            if stopped {
                waiting = []  // dropping a job's closure ends its stream
                condition.unlock()
                return
            }
            let work = waiting.removeFirst()
            condition.unlock()
            work()
        }
    }
}
