// Copies that rearrange axes: permutation, and concatenation / slicing along the last axis.

/// out = inp with axes permuted: out.shape[i] = shape[perm[i]]. inp has `shape` (row-major).
public func permuteForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, shape: [Int], perm: [Int]) {
    let rank = shape.count
    precondition(perm.sorted() == Array(0..<rank), "permute: \(perm) is not a permutation of \(rank) axes")
    let n = shape.reduce(1, *)
    if n == 0 { return }
    var inStrides = [Int](repeating: 1, count: rank)
    for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
    let outShape = perm.map { shape[$0] }
    let strides = perm.map { inStrides[$0] }  // input stride of each output axis
    if rank == 0 { out[0] = inp[0]; return }
    let last = outShape[rank - 1], lastStride = strides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var o = 0
    while o < n {
        var base = 0
        for i in 0..<(rank - 1) { base += index[i] * strides[i] }
        for j in 0..<last { out[o + j] = inp[base + j * lastStride] }
        o += last
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < outShape[axis] { break }
            index[axis] = 0
            axis -= 1
        }
    }
}

/// out (rows, sum of widths) = the pieces (rows, widths[i]) side by side.
public func concatLastAxisForward(_ out: UnsafeMutablePointer<Float>, _ pieces: [UnsafePointer<Float>], widths: [Int], rows: Int) {
    let total = widths.reduce(0, +)
    var start = 0
    for (p, w) in zip(pieces, widths) {
        for r in 0..<rows { (out + r * total + start).update(from: p + r * w, count: w) }
        start += w
    }
}

/// out (rows, width) = columns start..<start+width of inp (rows, total); with `accumulate`,
/// the reverse: inp's columns += out (the backward of a slice, scattering into a wider gradient).
public func sliceLastAxisCopy(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafeMutablePointer<Float>,
                          rows: Int, total: Int, start: Int, width: Int, scatterAdd: Bool = false) {
    for r in 0..<rows {
        if scatterAdd {
            accumulateScaled(inp + r * total + start, out + r * width, scale: 1, count: width)
        } else {
            (out + r * width).update(from: inp + r * total + start, count: width)
        }
    }
}
