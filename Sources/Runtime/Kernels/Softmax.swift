import Foundation

// Softmax and log-softmax over the last axis, max-subtracted for stability, with SIMD exp.

/// out (rows, cols) = softmax of each row of inp (rows, cols).
public func softmaxForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let x = inp + r * cols, y = out + r * cols
        let m = SIMD8<Float>(repeating: rowMax(x, cols))
        mapSIMD8(y, x, cols) { simdExp($0 - m) }
        affineForward(y, y, scale: 1 / rowSum(y, cols), shift: 0, count: cols)
    }
}

/// dinp (rows, cols) += y * (dout - sum(dout * y)) per row, y being the softmax output.
public func softmaxBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                            rows: Int, cols: Int) {
    for r in 0..<rows {
        let g = dout + r * cols, y = out + r * cols, d = dinp + r * cols
        let dot = SIMD8<Float>(repeating: rowDot(g, y, cols))
        mapSIMD8(d, d, g, y, cols) { d, g, y in d + y * (g - dot) }
    }
}

/// out (rows, cols) = x - logsumexp(x) per row of inp (rows, cols).
public func logSoftmaxForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let x = inp + r * cols
        affineForward(out + r * cols, x, scale: 1, shift: -logSumExp(x, cols), count: cols)
    }
}

/// dinp (rows, cols) += dout - softmax * sum(dout) per row; `out` is the log-softmax output.
public func logSoftmaxBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                               rows: Int, cols: Int) {
    for r in 0..<rows {
        let g = dout + r * cols, y = out + r * cols, d = dinp + r * cols
        let s = SIMD8<Float>(repeating: rowSum(g, cols))
        mapSIMD8(d, d, g, y, cols) { d, g, y in d + g - simdExp(y) * s }
    }
}

/// log(sum(exp(x))) of x (n), max-subtracted; -inf for an all -inf row.
func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    let m = rowMax(x, n)
    if m == -Float.infinity { return m }
    let vm = SIMD8<Float>(repeating: m)
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n { acc += simdExp(loadSIMD8(x + i) - vm); i += 8 }
    var s = acc.sum()
    while i < n { s += expf(x[i] - m); i += 1 }
    return m + logf(s)
}

/// Largest value of x (n); -inf when n is 0.
func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= n { let v = loadSIMD8(x + i); acc.replace(with: v, where: v .> acc); i += 8 }
    var m = acc.max()
    while i < n { m = max(m, x[i]); i += 1 }
    return m
}
