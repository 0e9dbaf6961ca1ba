/// The bytes behind one or more tensors: a run of Float32 values.
///
/// Two kinds exist. Owned storage is allocated here (64-byte aligned) and freed with the last
/// reference. External storage wraps memory that belongs to someone else (a memory-mapped
/// safetensors or GGUF file) and keeps that owner alive for as long as any tensor views it; it is
/// read-only, because the mapping usually is, and because frozen base weights must never change.
///
/// Storage is a reference type shared by views (reshape, leading-axis slices); it is marked
/// `@unchecked Sendable` because tensors cross threads in parallel kernels. Mutating it while
/// another thread reads it is the caller's bug, as with any buffer.
public final class TensorStorage: @unchecked Sendable {
    /// First value. Mutable only for owned storage (see `isReadOnly`).
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of Float32 values.
    public let count: Int
    /// True for storage that wraps external bytes; in-place writes are refused.
    public let isReadOnly: Bool
    private let owner: AnyObject?
    private let ownsMemory: Bool

    /// Allocates `count` values; when `zeroed` is false the contents are undefined and the caller
    /// must write every value (kernels that overwrite their output skip the zeroing pass).
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "TensorStorage: negative count \(count)")
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: max(count, 1)) }
        self.count = count
        isReadOnly = false
        owner = nil
        ownsMemory = true
    }

    /// Wraps `count` Float32 values at `pointer`, owned by `owner` (kept alive by this storage).
    /// The pointer must be 4-byte aligned; no copy is made.
    public init(external pointer: UnsafePointer<Float>, count: Int, owner: AnyObject) {
        precondition(Int(bitPattern: pointer) % MemoryLayout<Float>.alignment == 0,
                     "TensorStorage: external Float32 data must be 4-byte aligned")
        self.pointer = UnsafeMutablePointer(mutating: pointer)
        self.count = count
        isReadOnly = true
        self.owner = owner
        ownsMemory = false
    }

    deinit {
        if ownsMemory { pointer.deallocate() }
    }
}
