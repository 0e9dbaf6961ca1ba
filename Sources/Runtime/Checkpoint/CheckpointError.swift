import Foundation

/// Why a checkpoint file could not be read or written. Every case names the file, and where it
/// applies the key or tensor, so the Shell can show one line that says what to fix.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened, mapped or written (the OS error is in `reason`).
    case io(file: String, reason: String)
    /// The file is shorter than its own header says (`needed` bytes, `available` present).
    case truncated(file: String, needed: UInt64, available: UInt64)
    /// The bytes do not form the expected format (wrong magic, bad JSON, bad layout).
    case malformed(file: String, reason: String)
    /// A tensor entry is inconsistent: offsets out of range or overlapping, size not matching
    /// shape x dtype, unsupported element type.
    case invalidTensor(file: String, tensor: String, reason: String)
    /// A tensor that a caller asked for is not in the file.
    case missingTensor(file: String, tensor: String)
    /// A configuration key is missing or has a value we cannot use.
    case invalidConfig(file: String, key: String, reason: String)
    /// The checkpoint describes something sft does not support (an architecture, a version).
    case unsupported(file: String, reason: String)

    public var description: String {
        switch self {
        case .io(let file, let reason): return "\(file): \(reason)"
        case .truncated(let file, let needed, let available):
            return "\(file): truncated: needs \(needed) bytes, has \(available)"
        case .malformed(let file, let reason): return "\(file): \(reason)"
        case .invalidTensor(let file, let tensor, let reason): return "\(file): tensor '\(tensor)': \(reason)"
        case .missingTensor(let file, let tensor): return "\(file): no tensor named '\(tensor)'"
        case .invalidConfig(let file, let key, let reason): return "\(file): key '\(key)': \(reason)"
        case .unsupported(let file, let reason): return "\(file): \(reason)"
        }
    }
}
