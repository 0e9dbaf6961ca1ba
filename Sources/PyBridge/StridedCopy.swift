/// Copies the elements of a strided tensor view out of its storage into contiguous row-major
/// order. Shapes and strides come from a file, so every bound is checked (with overflow) before
/// any byte is read.
enum StridedCopy {
    /// The number of elements of `shape`, or nil on overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }

    /// Why `shape`/`stride` starting at byte `start` do not fit inside `storage[..<limit]`,
    /// or nil when they fit.
    static func boundsProblem(storageCount: Int, start: Int, limit: Int, shape: [Int], stride: [Int],
                              elementSize: Int) -> String? {
        guard shape.count == stride.count else { return "size \(shape) and stride \(stride) differ in rank" }
        guard let count = elementCount(shape) else { return "size \(shape) overflows" }
        guard start >= 0, limit >= start, limit <= storageCount else {
            return "storage range \(start)..<\(limit) outside the \(storageCount) bytes read"
        }
        if count == 0 { return nil }
        var last = 0
        for (d, s) in zip(shape, stride) {
            guard s >= 0 else { return "negative stride \(stride)" }
            let (step, o1) = (d - 1).multipliedReportingOverflow(by: s)
            let (sum, o2) = last.addingReportingOverflow(step)
            if o1 || o2 { return "stride \(stride) overflows" }
            last = sum
        }
        let (endElements, o3) = (last + 1).multipliedReportingOverflow(by: elementSize)
        guard !o3, endElements <= limit - start else {
            return "a tensor of size \(shape), stride \(stride) runs past the end of its storage"
        }
        return nil
    }

    /// Copies into `destination` (exactly elementCount(shape) * elementSize bytes). Call only
    /// after `boundsProblem` returned nil.
    static func copy(from storage: UnsafeRawBufferPointer, start: Int, shape: [Int], stride: [Int],
                     elementSize: Int, into destination: UnsafeMutableRawBufferPointer) {
        let count = elementCount(shape)!
        precondition(destination.count == count * elementSize,
                     "destination \(destination.count) bytes for \(count) x \(elementSize)")
        if count == 0 { return }
        let base = storage.baseAddress! + start
        if isRowMajor(shape: shape, stride: stride) {
            destination.baseAddress!.copyMemory(from: base, byteCount: count * elementSize)
            return
        }
        // Odometer over all but the last dimension; the last one is one run when its stride is 1.
        let rank = shape.count
        let inner = shape[rank - 1], innerStride = stride[rank - 1]
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var out = destination.baseAddress!
        for _ in 0..<(count / inner) {
            var offset = 0
            for k in 0..<(rank - 1) { offset += index[k] * stride[k] }
            let row = base + offset * elementSize
            if innerStride == 1 {
                out.copyMemory(from: row, byteCount: inner * elementSize)
            } else {
                for j in 0..<inner {
                    (out + j * elementSize).copyMemory(from: row + j * innerStride * elementSize, byteCount: elementSize)
                }
            }
            out += inner * elementSize
            var k = rank - 2
            while k >= 0 {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
    }

    /// Whether elements are laid out densely in row-major order (size-1 dimensions ignored).
    static func isRowMajor(shape: [Int], stride: [Int]) -> Bool {
        var expected = 1
        for (d, s) in zip(shape, stride).reversed() where d != 1 {
            if s != expected { return false }
            expected *= d
        }
        return true
    }
}
