import Synchronization

/// Ids of pieces already tokenized, shared by every copy of a tokenizer and safe across threads.
/// Only pieces of up to 23 bytes are cached, packed into three words, so a lookup hashes 24
/// bytes and allocates nothing. Stops growing at `capacity` entries.
final class WordCache: Sendable {
    struct Key: Hashable {
        let a: UInt64, b: UInt64, c: UInt64

        /// nil when the piece is too long to cache.
        @inline(__always)
        init?(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) {
            guard r.count <= 23 else { return nil }
            var words: (UInt64, UInt64, UInt64) = (0, 0, UInt64(r.count) << 56)
            withUnsafeMutableBytes(of: &words) { raw in
                for (k, i) in r.enumerated() { raw[k] = p[i] }
            }
            // The length sits in the top byte of `c`, above the last piece byte (index 23 is free).
            words.2 |= UInt64(r.count) << 56
            a = words.0; b = words.1; c = words.2
        }
    }

    private let table = Mutex<[Key: [Int32]]>([:])
    let capacity: Int

    init(capacity: Int = 200_000) { self.capacity = capacity }

    func lookup(_ key: Key) -> [Int32]? { table.withLock { $0[key] } }

    func store(_ key: Key, _ ids: [Int32]) {
        table.withLock { t in if t.count < capacity { t[key] = ids } }
    }
}
