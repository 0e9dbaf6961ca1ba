// Embedding gather and its scatter-add backward.

/// out (N, C) = rows ids[n] of table (V, C). Each id must be in 0..<V.
public func embeddingForward(_ out: UnsafeMutablePointer<Float>, _ ids: UnsafePointer<Int>, _ table: UnsafePointer<Float>,
                             N: Int, V: Int, C: Int) {
    for n in 0..<N {
        let id = ids[n]
        precondition(id >= 0 && id < V, "embedding: token id \(id) at position \(n) is outside the table of \(V) rows")
        (out + n * C).update(from: table + id * C, count: C)
    }
}

/// dtable (V, C) += dout (N, C) scattered to rows ids[n]; repeated ids add up.
public func embeddingBackward(_ dtable: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ ids: UnsafePointer<Int>,
                              N: Int, C: Int) {
    for n in 0..<N {
        accumulateScaled(dtable + ids[n] * C, dout + n * C, scale: 1, count: C)
    }
}
