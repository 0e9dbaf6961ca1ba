/// Keys and values of the tokens seen so far, per layer, for generation: one sequence
/// (batch 1), preallocated to `capacity` tokens so appending writes in place and the
/// attention reads a view of the filled prefix (no copy per step).
public final class KVCache {
    public let capacity: Int
    let kvHeads: Int
    let headDim: Int
    private let keys: [Tensor]    // per layer [capacity, KV, D]
    private let values: [Tensor]
    /// Tokens whose keys and values every layer holds.
    public private(set) var length = 0

    public init(config: ModelConfig, capacity: Int) {
        precondition(capacity > 0, "KVCache: capacity \(capacity) must be positive")
        self.capacity = capacity
        kvHeads = config.numKeyValueHeads
        headDim = config.headDim
        keys = (0..<config.numHiddenLayers).map { _ in Tensor.zeros([capacity, config.numKeyValueHeads, config.headDim]) }
        values = (0..<config.numHiddenLayers).map { _ in Tensor.zeros([capacity, config.numKeyValueHeads, config.headDim]) }
    }

    /// Room for `count` more tokens?
    public func fits(_ count: Int) -> Bool { length + count <= capacity }

    /// Writes layer `layer`'s new keys and values k, v [1, T, KV, D] after the cached ones and
    /// returns views of all of them, [1, length + T, KV, D] each.
    func append(layer: Int, k: Tensor, v: Tensor) -> (keys: Tensor, values: Tensor) {
        let T = k.shape[1]
        precondition(k.shape == [1, T, kvHeads, headDim] && v.shape == k.shape, "KVCache: k \(k.shape), v \(v.shape)")
        precondition(fits(T), "KVCache: \(length) + \(T) tokens exceed the capacity \(capacity)")
        let row = kvHeads * headDim
        keys[layer].withUnsafeMutableBufferPointer { ($0.baseAddress! + length * row).update(from: k.pointer, count: T * row) }
        values[layer].withUnsafeMutableBufferPointer { ($0.baseAddress! + length * row).update(from: v.pointer, count: T * row) }
        let filled = 0..<(length + T)
        return (keys[layer].rows(filled).reshaped([1, length + T, kvHeads, headDim]),
                values[layer].rows(filled).reshaped([1, length + T, kvHeads, headDim]))
    }

    /// Marks `count` appended tokens as held by every layer (after a whole forward pass).
    func commit(_ count: Int) { length += count }

    /// Forgets everything (a new conversation), keeping the memory.
    public func reset() { length = 0 }
}
