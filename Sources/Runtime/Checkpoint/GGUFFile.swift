import Foundation

/// Where one tensor sits in a GGUF file. `dimensions` are in ggml order (innermost first,
/// `ne[0]` is the row length); `StoredTensor.shape` is the reverse.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let dimensions: [Int]
    public let type: GGUFTensorType
    /// Offset from the start of the data section.
    public let offset: Int
    public let byteCount: Int
}

/// A GGUF file (versions 2 and 3, little-endian), memory-mapped: magic "GGUF", version,
/// tensor count, metadata key/values, tensor infos, padding to `general.alignment` (default
/// 32), then the tensor data.
///
/// Opening validates the layout: every count against the bytes left, tensor row lengths a
/// whole number of blocks, offsets aligned, inside the data section and not overlapping.
/// Tensors of types we cannot dequantize are listed in `tensorInfos` but refused by `tensor(_:)`.
public struct GGUFFile: Sendable {
    public static let defaultAlignment = 32

    public let fileName: String
    public let version: Int
    public let metadata: [String: GGUFValue]
    public let alignment: Int
    /// Tensor infos in file order.
    public let tensorInfos: [GGUFTensorInfo]
    /// Byte offset of the data section in the file.
    public let dataOffset: Int
    let store: any ByteStore
    private let index: [String: Int]

    /// Maps and validates the file at `url`.
    public init(url: URL) throws {
        try self.init(store: MappedFile(url: url), fileName: url.path)
    }

    /// Parses bytes already in memory or mapped; `fileName` is used in errors.
    public init(store: any ByteStore, fileName: String) throws {
        self.fileName = fileName
        self.store = store
        var cursor = GGUFCursor(bytes: store.bytes, fileName: fileName)
        let magic = try cursor.take(4)
        guard Array(magic) == Array("GGUF".utf8) else {
            throw CheckpointError.malformed(file: fileName, reason: "not a GGUF file (magic \(Array(magic).map { String(format: "%02x", $0) }.joined()), expected 47475546)")
        }
        let rawVersion = try cursor.read(UInt32.self)
        guard rawVersion == 2 || rawVersion == 3 else {
            let hint = rawVersion.byteSwapped <= 3 ? " (a big-endian file; only little-endian is supported)" : ""
            throw CheckpointError.unsupported(file: fileName, reason: "GGUF version \(rawVersion)\(hint); supported: 2, 3")
        }
        version = Int(rawVersion)
        // A tensor info takes at least 8 + 4 + 8 + 4 + 8 bytes, a key/value at least 8 + 4 + 1.
        let tensorCount = try cursor.readCount("tensor count", limit: cursor.remaining / 32)
        let valueCount = try cursor.readCount("metadata count", limit: cursor.remaining / 13)

        var metadata: [String: GGUFValue] = [:]
        for _ in 0..<valueCount {
            let key = try cursor.readString()
            let type = try cursor.read(UInt32.self)
            metadata[key] = try cursor.readValue(type: type)
        }
        self.metadata = metadata

        if let value = metadata["general.alignment"] {
            guard let a = value.intValue, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
                throw CheckpointError.malformed(file: fileName, reason: "general.alignment \(value) is not a power of two")
            }
            alignment = a
        } else {
            alignment = Self.defaultAlignment
        }

        var infos: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        infos.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let info = try Self.readTensorInfo(&cursor, alignment: alignment, fileName: fileName)
            guard index[info.name] == nil else {
                throw CheckpointError.invalidTensor(file: fileName, tensor: info.name, reason: "appears twice")
            }
            index[info.name] = infos.count
            infos.append(info)
        }
        let (padded, overflow) = cursor.position.addingReportingOverflow(alignment - 1)
        guard !overflow else { throw CheckpointError.malformed(file: fileName, reason: "data offset overflows") }
        dataOffset = padded / alignment * alignment
        let dataBytes = store.bytes.count - dataOffset
        var reach = (end: 0, name: "")
        for info in infos.sorted(by: { ($0.offset, $0.byteCount) < ($1.offset, $1.byteCount) }) {
            let (end, overflow) = info.offset.addingReportingOverflow(info.byteCount)
            guard !overflow, end <= dataBytes else {
                throw CheckpointError.truncated(file: fileName, needed: UInt64(dataOffset) + UInt64(info.offset) + UInt64(info.byteCount),
                                                available: UInt64(store.bytes.count))
            }
            if info.byteCount > 0 {
                guard info.offset >= reach.end else {
                    throw CheckpointError.invalidTensor(file: fileName, tensor: info.name, reason: "data overlaps tensor '\(reach.name)'")
                }
                reach = (end, info.name)
            }
        }
        tensorInfos = infos
        self.index = index
    }

    private static func readTensorInfo(_ cursor: inout GGUFCursor, alignment: Int, fileName: String) throws -> GGUFTensorInfo {
        let name = try cursor.readString()
        let fail = { (reason: String) in CheckpointError.invalidTensor(file: fileName, tensor: name, reason: reason) }
        let rank = try cursor.read(UInt32.self)
        guard rank >= 1 && rank <= 4 else { throw fail("has \(rank) dimensions; GGUF allows 1 to 4") }
        var dimensions: [Int] = []
        for _ in 0..<rank {
            let d = try cursor.read(UInt64.self)
            guard d <= UInt64(Int.max) else { throw fail("dimension \(d) is too large") }
            dimensions.append(Int(d))
        }
        let typeID = try cursor.read(UInt32.self)
        guard let type = GGUFTensorType.known(typeID) else { throw fail("unknown tensor type \(typeID)") }
        let offset = try cursor.read(UInt64.self)
        guard offset <= UInt64(Int.max), Int(offset) % alignment == 0 else {
            throw fail("offset \(offset) is not a multiple of the alignment \(alignment)")
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw fail("row length \(dimensions[0]) is not a multiple of the \(type.name) block size \(type.blockSize)")
        }
        guard let elements = checkedElementCount(dimensions) else { throw fail("size \(dimensions) overflows") }
        let (byteCount, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.blockBytes)
        guard !overflow else { throw fail("size \(dimensions) overflows") }
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: Int(offset), byteCount: byteCount)
    }

    public var architecture: String? { metadata["general.architecture"]?.stringValue }

    public func info(_ name: String) -> GGUFTensorInfo? { index[name].map { tensorInfos[$0] } }

    /// The tensor `name` as stored (shape outermost first). Throws when it is absent or of a
    /// type sft cannot dequantize.
    public func tensor(_ name: String) throws -> StoredTensor {
        guard let info = info(name) else { throw CheckpointError.missingTensor(file: fileName, tensor: name) }
        guard let dtype = info.type.dtype else {
            throw CheckpointError.invalidTensor(file: fileName, tensor: name, reason:
                "type \(info.type.name) is not supported (supported: F32, F16, BF16, Q4_0, Q4_1, Q8_0, Q4_K, Q6_K)")
        }
        let start = dataOffset + info.offset
        return StoredTensor(name: name, dtype: dtype, shape: info.dimensions.reversed(),
                            bytes: UnsafeRawBufferPointer(rebasing: store.bytes[start..<(start + info.byteCount)]), owner: store)
    }
}
