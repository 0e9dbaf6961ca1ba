/// Reads little-endian GGUF values from a byte buffer, refusing to step past its end. Every
/// count read from the file is checked against the bytes that remain before it is used, so a
/// hostile length cannot make the parser allocate or loop beyond the file's size.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let fileName: String
    private(set) var position = 0

    init(bytes: UnsafeRawBufferPointer, fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
    }

    var remaining: Int { bytes.count - position }

    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw CheckpointError.truncated(file: fileName, needed: UInt64(position) + UInt64(max(count, 0)), available: UInt64(bytes.count))
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size).loadUnaligned(as: T.self))
    }

    /// A u64 that must fit in Int and stay below `limit` (what the remaining bytes allow).
    mutating func readCount(_ what: String, limit: Int) throws -> Int {
        let value = try read(UInt64.self)
        guard value <= UInt64(max(limit, 0)) else {
            throw CheckpointError.malformed(file: fileName, reason: "\(what) \(value) at byte \(position - 8) exceeds what the file can hold")
        }
        return Int(value)
    }

    mutating func readString() throws -> String {
        let length = try readCount("string length", limit: remaining)
        return String(decoding: try take(length), as: UTF8.self)
    }

    /// One metadata value of GGUF type `type` (0-12); arrays nest at most `depth` levels.
    mutating func readValue(type: UInt32, depth: Int = 0) throws -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try read(UInt8.self)))
        case 1: return .int(Int64(try read(Int8.self)))
        case 2: return .uint(UInt64(try read(UInt16.self)))
        case 3: return .int(Int64(try read(Int16.self)))
        case 4: return .uint(UInt64(try read(UInt32.self)))
        case 5: return .int(Int64(try read(Int32.self)))
        case 6:
            // Writers store decimal settings (1e-5) as float32; keep the shortest decimal that
            // round-trips, as config.json would have it, rather than 9.99999974e-06.
            let value = Float(bitPattern: try read(UInt32.self))
            return .float(value.isFinite ? Double(value.description) ?? Double(value) : Double(value))
        case 7:
            let b = try read(UInt8.self)
            guard b <= 1 else { throw CheckpointError.malformed(file: fileName, reason: "bool value \(b) at byte \(position - 1)") }
            return .bool(b == 1)
        case 8: return .string(try readString())
        case 9:
            guard depth < 4 else { throw CheckpointError.malformed(file: fileName, reason: "arrays nested deeper than 4 levels") }
            let elementType = try read(UInt32.self)
            guard elementType <= 12 else {
                throw CheckpointError.malformed(file: fileName, reason: "unknown array element type \(elementType) at byte \(position - 4)")
            }
            let count = try readCount("array length", limit: remaining / Self.minimumSize(ofType: elementType))
            var values: [GGUFValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try readValue(type: elementType, depth: depth + 1)) }
            return .array(values)
        case 10: return .uint(try read(UInt64.self))
        case 11: return .int(try read(Int64.self))
        case 12: return .float(Double(bitPattern: try read(UInt64.self)))
        default:
            throw CheckpointError.malformed(file: fileName, reason: "unknown metadata value type \(type) at byte \(position - 4)")
        }
    }

    /// Fewest bytes one value of `type` occupies (strings: their length; arrays: type + count).
    static func minimumSize(ofType type: UInt32) -> Int {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8
        default: return 12
        }
    }
}
