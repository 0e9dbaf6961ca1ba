import Foundation
#if PythonBridge
import CPython
#endif

extension PickleCheckpoint {
    /// Imports a pickled PyTorch checkpoint (`pytorch_model.bin`, `*.pt`): the zip format of
    /// PyTorch >= 1.6 and the legacy pickle format before it. Unpickling happens in embedded
    /// CPython with an unpickler that allows only what a state dict needs; anything else is
    /// refused before it can run. torch is not needed. Nested dicts are flattened to dotted names.
    ///
    /// Throws `PickleCheckpointError.bridgeUnavailable` when built without the PythonBridge trait.
    public static func load(contentsOf url: URL) throws -> PickleCheckpoint {
        let path = url.path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw PickleCheckpointError.malformed(path: path, reason: "no readable file there")
        }
        #if PythonBridge
        return try EmbeddedPython.shared.run { try importOnPythonThread(path: path) }
        #else
        throw PickleCheckpointError.bridgeUnavailable(path: path)
        #endif
    }
}

#if PythonBridge
private let moduleName = "sft_pickle_import"

/// The `load` function of our Python module, compiling the module on first use. Borrowed.
private func loadFunction() throws -> UnsafeMutablePointer<PyObject> {
    guard let module = PyImport_AddModule(moduleName), let globals = PyModule_GetDict(module) else {
        throw pythonError(path: nil)
    }
    if let f = PyDict_GetItemString(globals, "load") { return f }
    guard let result = PyRun_String(restrictedUnpicklerSource, sft_py_file_input(), globals, globals) else {
        throw pythonError(path: nil)
    }
    sft_py_xdecref(result)
    guard let f = PyDict_GetItemString(globals, "load") else { throw pythonError(path: nil) }
    return f
}

/// The pending Python exception as our error: refused globals and malformed files keep their kind.
private func pythonError(path: String?) -> PickleCheckpointError {
    var message = "unknown Python error"
    var refused: (String, String)? = nil
    if PyErr_Occurred() != nil {
        var type: UnsafeMutablePointer<PyObject>?, value: UnsafeMutablePointer<PyObject>?, tb: UnsafeMutablePointer<PyObject>?
        PyErr_Fetch(&type, &value, &tb)
        PyErr_NormalizeException(&type, &value, &tb)
        if let t = type, let name = PyObject_GetAttrString(t, "__name__") {
            if string(name) == "RefusedGlobal", let v = value, let args = PyObject_GetAttrString(v, "args") {
                if PyTuple_Size(args) == 2 {
                    refused = (string(PyTuple_GetItem(args, 0)) ?? "?", string(PyTuple_GetItem(args, 1)) ?? "?")
                }
                sft_py_xdecref(args)
            }
            sft_py_xdecref(name)
        }
        PyErr_Restore(type, value, tb)
        if let text = sft_py_take_error_string() {
            message = string(text) ?? message
            sft_py_xdecref(text)
        }
    }
    PyErr_Clear()
    guard let path else { return .interpreterUnavailable(reason: message) }
    if let (module, name) = refused { return .refusedGlobal(path: path, module: module, name: name) }
    if message.hasPrefix("MalformedCheckpoint: ") { message.removeFirst("MalformedCheckpoint: ".count) }
    return .malformed(path: path, reason: message)
}

/// The UTF-8 text of a Python str (borrowed), or nil if it is not one.
private func string(_ object: UnsafeMutablePointer<PyObject>?) -> String? {
    guard let object, let utf8 = PyUnicode_AsUTF8(object) else { PyErr_Clear(); return nil }
    return String(cString: utf8)
}

private func int(_ object: UnsafeMutablePointer<PyObject>?) -> Int? {
    guard let object else { return nil }
    let v = PyLong_AsLongLong(object)
    if v == -1 && PyErr_Occurred() != nil { PyErr_Clear(); return nil }
    return Int(v)
}

private func ints(_ tuple: UnsafeMutablePointer<PyObject>?) -> [Int]? {
    guard let tuple else { return nil }
    let n = PyTuple_Size(tuple)
    if n < 0 { PyErr_Clear(); return nil }
    var out: [Int] = []
    for i in 0..<n {
        guard let v = int(PyTuple_GetItem(tuple, i)) else { return nil }
        out.append(v)
    }
    return out
}

/// Runs on the Python thread: unpickle with the restricted unpickler, then copy each tensor
/// out of its Python bytes once.
private func importOnPythonThread(path: String) throws -> PickleCheckpoint {
    let load = try loadFunction()
    guard let argument = PyUnicode_FromString(path) else { throw pythonError(path: path) }
    let returned = PyObject_CallOneArg(load, argument)
    sft_py_xdecref(argument)
    guard let result = returned else { throw pythonError(path: path) }
    defer { sft_py_xdecref(result) }
    let broken = PickleCheckpointError.malformed(path: path, reason: "the importer returned an unexpected value")
    guard let list = PyTuple_GetItem(result, 0), let skippedList = PyTuple_GetItem(result, 1) else { throw broken }
    var skipped: [String] = []
    for i in 0..<max(PyList_Size(skippedList), 0) { skipped.append(string(PyList_GetItem(skippedList, i)) ?? "?") }
    var tensors: [PickledTensor] = []
    for i in 0..<max(PyList_Size(list), 0) {
        guard let item = PyList_GetItem(list, i), PyTuple_Size(item) == 7,
              let name = string(PyTuple_GetItem(item, 0)),
              let dtypeName = string(PyTuple_GetItem(item, 1)), let dtype = PickledTensor.DType(rawValue: dtypeName),
              let shape = ints(PyTuple_GetItem(item, 2)), let stride = ints(PyTuple_GetItem(item, 3)),
              let data = PyTuple_GetItem(item, 4),
              let start = int(PyTuple_GetItem(item, 5)), let limit = int(PyTuple_GetItem(item, 6))
        else { throw broken }
        var pointer: UnsafeMutablePointer<CChar>?
        var length = 0
        guard PyBytes_AsStringAndSize(data, &pointer, &length) == 0, let pointer else { throw pythonError(path: path) }
        let storage = UnsafeRawBufferPointer(start: pointer, count: length)
        if let problem = StridedCopy.boundsProblem(storageCount: length, start: start, limit: limit,
                                                   shape: shape, stride: stride, elementSize: dtype.size) {
            throw PickleCheckpointError.malformed(path: path, reason: "\(name): \(problem)")
        }
        let count = StridedCopy.elementCount(shape)!
        let values: PickledTensor.Values
        if dtype == .f32 {
            values = .float32([Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                StridedCopy.copy(from: storage, start: start, shape: shape, stride: stride, elementSize: 4,
                                 into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            })
        } else {
            values = .raw([UInt8](unsafeUninitializedCapacity: count * dtype.size) { buffer, initialized in
                StridedCopy.copy(from: storage, start: start, shape: shape, stride: stride, elementSize: dtype.size,
                                 into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count * dtype.size
            })
        }
        tensors.append(PickledTensor(name: name, dtype: dtype, shape: shape, values: values))
    }
    return PickleCheckpoint(tensors: tensors, skipped: skipped)
}
#endif
