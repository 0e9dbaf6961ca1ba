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

    /// `str(eval(expression))` in a fresh namespace, for checking how the interpreter was set up.
    func evaluate(_ expression: String) throws -> String {
        try run {
            guard let globals = PyDict_New() else { throw Self.pendingError() }
            defer { sft_py_xdecref(globals) }
            guard let builtins = PyEval_GetBuiltins(), PyDict_SetItemString(globals, "__builtins__", builtins) == 0,
                  let value = PyRun_String(expression, sft_py_eval_input(), globals, globals) else { throw Self.pendingError() }
            defer { sft_py_xdecref(value) }
            guard let text = PyObject_Str(value) else { throw Self.pendingError() }
            defer { sft_py_xdecref(text) }
            guard let utf8 = PyUnicode_AsUTF8(text) else { throw Self.pendingError() }
            return String(cString: utf8)
        }
    }

    private static func pendingError() -> PickleCheckpointError {
        var reason = "unknown Python error"
        if let text = sft_py_take_error_string() {
            if let utf8 = PyUnicode_AsUTF8(text) { reason = String(cString: utf8) }
            sft_py_xdecref(text)
        }
        PyErr_Clear()
        return .interpreterUnavailable(reason: reason)
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
