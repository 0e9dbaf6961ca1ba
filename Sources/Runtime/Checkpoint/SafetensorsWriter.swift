import Foundation

/// One tensor to write: its name, plain dtype, shape and a closure that fills exactly
/// `byteCount` bytes (so large tensors are converted straight into the write buffer).
public struct SafetensorsEntry {
    public let name: String
    public let dtype: StoredDType
    public let shape: [Int]
    public let fill: (UnsafeMutableRawBufferPointer) -> Void

    /// Bytes this entry writes: shape x dtype.
    public var byteCount: Int { dtype.byteCount(elements: checkedElementCount(shape) ?? 0) ?? 0 }

    public init(name: String, dtype: StoredDType, shape: [Int], fill: @escaping (UnsafeMutableRawBufferPointer) -> Void) {
        precondition(!dtype.isQuantized, "safetensors cannot store \(dtype.rawValue) (tensor \(name))")
        precondition(checkedElementCount(shape).flatMap { dtype.byteCount(elements: $0) } != nil,
                     "invalid shape \(shape) for tensor \(name)")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.fill = fill
    }

    /// Float32 values, row-major.
    public init(name: String, shape: [Int], floats: [Float]) {
        precondition(checkedElementCount(shape) == floats.count, "tensor \(name): \(floats.count) values for shape \(shape)")
        self.init(name: name, dtype: .f32, shape: shape) { out in
            floats.withUnsafeBytes { out.copyMemory(from: $0) }
        }
    }

    /// Float32 values stored as `dtype` (.f32, .f16 or .bf16), rounded to nearest even as
    /// PyTorch's `.to(dtype)` does; half-precision checkpoints are half the size.
    public init(name: String, shape: [Int], floats: [Float], as dtype: StoredDType) {
        precondition([.f32, .f16, .bf16].contains(dtype), "tensor \(name): cannot store floats as \(dtype.rawValue)")
        precondition(checkedElementCount(shape) == floats.count, "tensor \(name): \(floats.count) values for shape \(shape)")
        self.init(name: name, dtype: dtype, shape: shape) { out in
            switch dtype {
            case .f16: for (i, v) in floats.enumerated() { out.storeBytes(of: Float16(v).bitPattern, toByteOffset: 2 * i, as: UInt16.self) }
            case .bf16: for (i, v) in floats.enumerated() { out.storeBytes(of: bfloat16Bits(v), toByteOffset: 2 * i, as: UInt16.self) }
            default: floats.withUnsafeBytes { out.copyMemory(from: $0) }
            }
        }
    }

    /// A stored tensor written back unchanged (rows in tensor order). Quantized GGUF tensors
    /// cannot be stored in safetensors; decode them first.
    public init(_ tensor: StoredTensor, name: String? = nil) {
        precondition(!tensor.dtype.isQuantized, "tensor \(tensor.name): safetensors cannot store \(tensor.dtype.rawValue)")
        self.init(name: name ?? tensor.name, dtype: tensor.dtype, shape: tensor.shape) { out in
            guard tensor.rowOrder != nil else { return out.copyMemory(from: tensor.bytes) }
            let rowBytes = tensor.rowByteCount
            for row in 0..<tensor.rowCount {
                UnsafeMutableRawBufferPointer(rebasing: out[(row * rowBytes)..<((row + 1) * rowBytes)]).copyMemory(from: tensor.rowBytes(row))
            }
        }
    }

    /// Integers (ids, labels) stored as I64.
    public init(name: String, shape: [Int], int64: [Int]) {
        precondition(checkedElementCount(shape) == int64.count, "tensor \(name): \(int64.count) values for shape \(shape)")
        self.init(name: name, dtype: .i64, shape: shape) { out in
            for (i, v) in int64.enumerated() { out.storeBytes(of: Int64(v).littleEndian, toByteOffset: 8 * i, as: Int64.self) }
        }
    }

    /// Raw little-endian bytes already in `dtype`.
    public init(name: String, dtype: StoredDType, shape: [Int], bytes: Data) {
        self.init(name: name, dtype: dtype, shape: shape) { out in
            precondition(bytes.count == out.count, "tensor \(name): \(bytes.count) bytes for shape \(shape) of \(dtype.rawValue)")
            bytes.withUnsafeBytes { out.copyMemory(from: $0) }
        }
    }
}

/// Writes safetensors files the way the reference library does: header JSON padded with
/// spaces so the data starts 8-byte aligned, tensors laid out back to back in the given order.
/// The file appears atomically (written to a temporary file in the same folder, then renamed).
public enum SafetensorsWriter {
    public static func write(_ entries: [SafetensorsEntry], metadata: [String: String] = [:], to url: URL) throws {
        precondition(Set(entries.map(\.name)).count == entries.count, "duplicate tensor names")
        precondition(!entries.contains { $0.name == "__metadata__" }, "'__metadata__' is reserved")
        var header = Data(headerJSON(entries, metadata: metadata).utf8)
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
        try AtomicFile.write(to: url) { handle in
            var prefix = Data()
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { prefix.append(contentsOf: $0) }
            try handle.write(contentsOf: prefix + header)
            for entry in entries where entry.byteCount > 0 {
                var buffer = Data(count: entry.byteCount)
                buffer.withUnsafeMutableBytes { entry.fill($0) }
                try handle.write(contentsOf: buffer)
            }
        }
    }

    static func headerJSON(_ entries: [SafetensorsEntry], metadata: [String: String]) -> String {
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let end = offset + entry.byteCount
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        return "{" + parts.joined(separator: ",") + "}"
    }
}

/// A JSON string literal for `text` (quotes, backslashes and control characters escaped).
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Writes a file so that readers see either the old content or the complete new one: the
/// bytes go to a temporary file beside the target, are flushed to disk, then renamed over it.
public enum AtomicFile {
    public static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CheckpointError.io(file: url.path, reason: "cannot create a temporary file in \(folder.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(temporary.path, url.path) == 0 else {
                throw CheckpointError.io(file: url.path, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        } catch let error as CheckpointError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CheckpointError.io(file: url.path, reason: "write failed: \(error.localizedDescription)")
        }
    }

    /// Writes `data` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { try $0.write(contentsOf: data) }
    }
}
