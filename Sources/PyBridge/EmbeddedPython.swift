#if PythonBridge
import CPython
import Foundation

/// The one embedded CPython interpreter of the process. It is started on first use on a
/// dedicated thread, which then runs every Python call: that thread holds the GIL for the life
/// of the process, so no other thread ever touches Python.
final class EmbeddedPython: @unchecked Sendable {
    // @unchecked: `jobs`, `thread` and `startFailure` are only touched under `condition`.
    static let shared = EmbeddedPython()

    /// The system interpreter that matches the libpython3.11 we link (Debian's), not the
    /// first python3 on PATH: the embedded interpreter takes its prefix from this name.
    static let programName = "/usr/bin/python3"

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var thread: Thread?
    private var startFailure: String?
    private var started = false

    /// Runs `body` on the Python thread and returns its result; throws if the interpreter
    /// could not start or `body` threw.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ResultBox<T>()
        condition.lock()
        if thread == nil { startThread() }
        while !started { condition.wait() }
        if let failure = startFailure {
            condition.unlock()
            throw PickleCheckpointError.interpreterUnavailable(reason: failure)
        }
        jobs.append { box.set(Result { try body() }) }
        condition.broadcast()
        condition.unlock()
        return try box.wait().get()
    }

    /// Called with `condition` locked.
    private func startThread() {
        let t = Thread { [unowned self] in self.serve() }
        t.name = "sft-python"
        // Unpickling and zipfile recurse in C; give them the stack a main thread would have.
        t.stackSize = 16 << 20
        thread = t
        t.start()
    }

    private func serve() {
        var error = [CChar](repeating: 0, count: 512)
        let failed = sft_py_initialize(Self.programName, &error, error.count) != 0
        condition.lock()
        started = true
        if failed { startFailure = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        condition.broadcast()
        condition.unlock()
        if failed { return }
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

/// A one-shot slot the Python thread fills and the caller waits on.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: `result` is only touched under `condition`.
    private let condition = NSCondition()
    private var result: Result<T, Error>?

    func set(_ r: Result<T, Error>) {
        condition.lock()
        result = r
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> Result<T, Error> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}
#endif
