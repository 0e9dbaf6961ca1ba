import Foundation
@testable import Runtime

/// Test-only: reads the key/value section of a GGUF file into `[String: GGUFValue]` (the real
/// reader lives in Checkpoint/ and is written elsewhere). Little-endian, GGUF v2/v3.
enum GGUFMetadataReader {
    struct Malformed: Error { let offset: Int }

    static func read(_ url: URL) throws -> [String: GGUFValue] {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { raw -> [String: GGUFValue] in
            var at = 0
            func take<T: FixedWidthInteger>(_: T.Type) throws -> T {
                guard at + MemoryLayout<T>.size <= raw.count else { throw Malformed(offset: at) }
                defer { at += MemoryLayout<T>.size }
                return T(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: T.self))
            }
            func string() throws -> String {
                let n = Int(try take(UInt64.self))
                guard at + n <= raw.count else { throw Malformed(offset: at) }
                defer { at += n }
                return String(decoding: raw[at..<(at + n)], as: UTF8.self)
            }
            func value(_ type: UInt32) throws -> GGUFValue {
                switch type {
                case 0: return .uint(UInt64(try take(UInt8.self)))
                case 1: return .int(Int64(try take(Int8.self)))
                case 2: return .uint(UInt64(try take(UInt16.self)))
                case 3: return .int(Int64(try take(Int16.self)))
                case 4: return .uint(UInt64(try take(UInt32.self)))
                case 5: return .int(Int64(try take(Int32.self)))
                case 6: return .float(Double(Float(bitPattern: try take(UInt32.self))))
                case 7: return .bool(try take(UInt8.self) != 0)
                case 8: return .string(try string())
                case 9:
                    let itemType = try take(UInt32.self)
                    let count = Int(try take(UInt64.self))
                    var items: [GGUFValue] = []
                    items.reserveCapacity(count)
                    for _ in 0..<count { items.append(try value(itemType)) }
                    return .array(items)
                case 10: return .uint(try take(UInt64.self))
                case 11: return .int(try take(Int64.self))
                case 12: return .float(Double(bitPattern: try take(UInt64.self)))
                default: throw Malformed(offset: at)
                }
            }
            guard try take(UInt32.self) == 0x4655_4747 else { throw Malformed(offset: 0) }  // "GGUF"
            _ = try take(UInt32.self)  // version
            _ = try take(UInt64.self)  // tensor count
            let count = try take(UInt64.self)
            var metadata: [String: GGUFValue] = [:]
            for _ in 0..<count {
                let key = try string()
                metadata[key] = try value(try take(UInt32.self))
            }
            return metadata
        }
    }

    /// The cached SmolLM2 GGUF, or nil when it has not been fetched.
    static func smolLM2() -> URL? { cached("smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf") }

    /// A file of the model cache ($SFT_MODEL_CACHE or ~/.cache/sft/models), or nil when absent.
    static func cached(_ relativePath: String) -> URL? { ModelCache.file(relativePath) }
}
