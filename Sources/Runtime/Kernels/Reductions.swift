// Reductions over the last axis (rows of a matrix) and over the leading rows (column sums).

/// out (rows) = sum over c of inp (rows, cols), times `scale` (1 for sum, 1/cols for mean).
public func sumLastAxisForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                               rows: Int, cols: Int, scale: Float = 1) {
    for r in 0..<rows { out[r] = rowSum(inp + r * cols, cols) * scale }
}

/// dinp (rows, cols) += dout (rows) * scale, broadcast along each row.
public func sumLastAxisBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                                rows: Int, cols: Int, scale: Float = 1) {
    for r in 0..<rows {
        let v = SIMD8<Float>(repeating: dout[r] * scale), d = dinp + r * cols
        var c = 0
        while c + 8 <= cols { storeSIMD8(d + c, loadSIMD8(d + c) + v); c += 8 }
        while c < cols { d[c] += dout[r] * scale; c += 1 }
    }
}

/// out (rows) = max over c of inp (rows, cols); argmax (rows) = first index of the max.
public func maxLastAxisForward(_ out: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>,
                               _ inp: UnsafePointer<Float>, rows: Int, cols: Int) {
    precondition(cols > 0, "maxLastAxis: empty last axis")
    for r in 0..<rows {
        let p = inp + r * cols
        var best = p[0], at = 0
        for c in 1..<cols where p[c] > best { best = p[c]; at = c }
        out[r] = best
        argmax[r] = Int32(at)
    }
}

/// out (cols) += sum over r of inp (rows, cols): bias gradients and broadcast reductions.
public func sumRowsAccumulate(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let p = inp + r * cols
        var c = 0
        while c + 8 <= cols { storeSIMD8(out + c, loadSIMD8(out + c) + loadSIMD8(p + c)); c += 8 }
        while c < cols { out[c] += p[c]; c += 1 }
    }
}

/// Sum of x (n) with eight SIMD accumulators' worth of lanes (Swift never vectorizes this itself).
@inline(__always)
func rowSum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n { a0 += loadSIMD8(x + i); a1 += loadSIMD8(x + i + 8); i += 16 }
    if i + 8 <= n { a0 += loadSIMD8(x + i); i += 8 }
    var s = (a0 + a1).sum()
    while i < n { s += x[i]; i += 1 }
    return s
}

/// Dot product of x and y (n).
@inline(__always)
func rowDot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        a0 = a0.addingProduct(loadSIMD8(x + i), loadSIMD8(y + i))
        a1 = a1.addingProduct(loadSIMD8(x + i + 8), loadSIMD8(y + i + 8))
        i += 16
    }
    if i + 8 <= n { a0 = a0.addingProduct(loadSIMD8(x + i), loadSIMD8(y + i)); i += 8 }
    var s = (a0 + a1).sum()
    while i < n { s += x[i] * y[i]; i += 1 }
    return s
}
