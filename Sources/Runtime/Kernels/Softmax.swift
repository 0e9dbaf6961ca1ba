import Foundation

// Softmax and log-softmax over the last axis, max-subtracted for stability.

/// out (rows, cols) = softmax of each row of inp (rows, cols).
public func softmaxForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let x = inp + r * cols, y = out + r * cols
        var m = -Float.infinity
        for c in 0..<cols { m = max(m, x[c]) }
        var s: Float = 0
        for c in 0..<cols { let e = expf(x[c] - m); y[c] = e; s += e }
        let inv = 1 / s
        for c in 0..<cols { y[c] *= inv }
    }
}

/// dinp (rows, cols) += y * (dout - sum(dout * y)) per row, y being the softmax output.
public func softmaxBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                            rows: Int, cols: Int) {
    for r in 0..<rows {
        let g = dout + r * cols, y = out + r * cols, d = dinp + r * cols
        let dot = rowDot(g, y, cols)
        for c in 0..<cols { d[c] += y[c] * (g[c] - dot) }
    }
}

/// out (rows, cols) = x - logsumexp(x) per row of inp (rows, cols).
public func logSoftmaxForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let x = inp + r * cols, y = out + r * cols
        let lse = logSumExp(x, cols)
        for c in 0..<cols { y[c] = x[c] - lse }
    }
}

/// dinp (rows, cols) += dout - softmax * sum(dout) per row; `out` is the log-softmax output.
public func logSoftmaxBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                               rows: Int, cols: Int) {
    for r in 0..<rows {
        let g = dout + r * cols, y = out + r * cols, d = dinp + r * cols
        let s = rowSum(g, cols)
        for c in 0..<cols { d[c] += g[c] - expf(y[c]) * s }
    }
}

/// log(sum(exp(x))) of x (n), max-subtracted.
func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = -Float.infinity
    for c in 0..<n { m = max(m, x[c]) }
    if m == -Float.infinity { return m }
    var s: Float = 0
    for c in 0..<n { s += expf(x[c] - m) }
    return m + logf(s)
}
