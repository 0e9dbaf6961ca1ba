import Foundation

/// A safetensors file, memory-mapped: 8-byte little-endian header length N, N bytes of JSON
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`,
/// then the tensor bytes (offsets relative to the end of the header).
///
/// Opening validates everything a later read relies on: header length within the file, JSON
/// shape, known dtype, offsets inside the data section, no two tensors overlapping, and each
/// byte range exactly shape x dtype. Reading a tensor after that cannot fail or go out of bounds.
public struct SafetensorsFile: Sendable {
    /// The reference implementation refuses headers above 100 MB; so do we.
    public static let maxHeaderBytes = 100_000_000

    public let fileName: String
    public let metadata: [String: String]
    /// Tensor names in the order of their data.
    public let tensorNames: [String]
    public let tensors: [String: StoredTensor]

    /// Maps and validates the file at `url`.
    public init(url: URL) throws {
        try self.init(store: MappedFile(url: url), fileName: url.path)
    }

    /// Parses bytes already in memory or mapped; `fileName` is used in errors.
    public init(store: any ByteStore, fileName: String) throws {
        self.fileName = fileName
        let bytes = store.bytes
        let size = UInt64(bytes.count)
        guard bytes.count >= 8, let base = bytes.baseAddress else {
            throw CheckpointError.truncated(file: fileName, needed: 8, available: size)
        }
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw CheckpointError.malformed(file: fileName, reason: "header length \(headerLength) exceeds \(Self.maxHeaderBytes) bytes")
        }
        guard 8 + headerLength <= size else {
            throw CheckpointError.truncated(file: fileName, needed: 8 + headerLength, available: size)
        }
        let headerEnd = 8 + Int(headerLength)
        let header = try Self.decodeHeader(Data(bytes[8..<headerEnd]), fileName: fileName)
        metadata = header.metadata
        let data = UnsafeRawBufferPointer(rebasing: bytes[headerEnd...])

        var views: [String: StoredTensor] = [:]
        var ranges: [(begin: Int, end: Int, name: String)] = []
        for (name, entry) in header.entries {
            let fail = { (reason: String) in CheckpointError.invalidTensor(file: fileName, tensor: name, reason: reason) }
            guard let dtype = StoredDType(rawValue: entry.dtype), !dtype.isQuantized else {
                throw fail("unsupported dtype '\(entry.dtype)'")
            }
            guard let elements = checkedElementCount(entry.shape), let byteCount = dtype.byteCount(elements: elements) else {
                throw fail("invalid shape \(entry.shape)")
            }
            guard entry.offsets.count == 2 else { throw fail("data_offsets must be [begin, end], got \(entry.offsets)") }
            let (begin, end) = (entry.offsets[0], entry.offsets[1])
            guard begin >= 0, begin <= end, end <= data.count else {
                throw fail("data_offsets [\(begin), \(end)] outside the data section of \(data.count) bytes")
            }
            guard end - begin == byteCount else {
                throw fail("data_offsets span \(end - begin) bytes but shape \(entry.shape) of \(dtype.rawValue) needs \(byteCount)")
            }
            ranges.append((begin, end, name))
            views[name] = StoredTensor(name: name, dtype: dtype, shape: entry.shape,
                                       bytes: UnsafeRawBufferPointer(rebasing: data[begin..<end]), owner: store)
        }
        ranges.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var reach = (end: 0, name: "")  // the furthest end so far and whose it is
        for r in ranges where r.begin < r.end {
            if r.begin < reach.end {
                throw CheckpointError.invalidTensor(file: fileName, tensor: r.name, reason: "data overlaps tensor '\(reach.name)'")
            }
            reach = (r.end, r.name)
        }
        tensorNames = ranges.map(\.name)
        tensors = views
    }

    /// The tensor called `name`, or an error naming this file.
    public func tensor(_ name: String) throws -> StoredTensor {
        guard let t = tensors[name] else { throw CheckpointError.missingTensor(file: fileName, tensor: name) }
        return t
    }

    // MARK: header JSON

    private struct Header: Decodable {
        var metadata: [String: String] = [:]
        var entries: [(String, Entry)] = []

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: NameKey.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    entries.append((key.stringValue, try container.decode(Entry.self, forKey: key)))
                }
            }
        }
    }

    private struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        var offsets: [Int]
        enum CodingKeys: String, CodingKey { case dtype, shape, offsets = "data_offsets" }
    }

    private static func decodeHeader(_ json: Data, fileName: String) throws -> Header {
        do {
            return try JSONDecoder().decode(Header.self, from: json)
        } catch let error as DecodingError {
            throw CheckpointError.malformed(file: fileName, reason: "header JSON: \(describe(error))")
        } catch {
            throw CheckpointError.malformed(file: fileName, reason: "header JSON: \(error)")
        }
    }
}

/// A coding key for JSON objects whose keys are data (tensor names, config keys).
struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

/// One line for a DecodingError: the key path and what was wrong.
func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "" : "at '\(keys.joined(separator: "."))': "
    }
    switch error {
    case .typeMismatch(let type, let c): return "\(path(c))expected \(type)"
    case .valueNotFound(let type, let c): return "\(path(c))missing \(type) value"
    case .keyNotFound(let key, let c): return "\(path(c))missing key '\(key.stringValue)'"
    case .dataCorrupted(let c): return "\(path(c))\(c.debugDescription)"
    @unknown default: return "\(error)"
    }
}
