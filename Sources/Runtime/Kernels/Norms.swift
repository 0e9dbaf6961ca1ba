// LayerNorm and RMSNorm over the last axis. Forward caches per-row mean / rstd for backward.

/// inp is (rows, C), weight and bias are (C) or nil; out is (rows, C), mean and rstd are (rows).
/// out = (x - mean) * rstd * weight + bias with rstd = 1 / sqrt(biased variance + eps).
public func layerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
                             _ rstd: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                             _ weight: UnsafePointer<Float>?, _ bias: UnsafePointer<Float>?,
                             rows: Int, C: Int, eps: Float) {
    for r in 0..<rows {
        let x = inp + r * C, y = out + r * C
        let m = rowSum(x, C) / Float(C)
        var v: Float = 0
        for c in 0..<C { let d = x[c] - m; v += d * d }
        let s = 1 / (v / Float(C) + eps).squareRoot()
        for c in 0..<C {
            var n = (x[c] - m) * s
            if let weight { n *= weight[c] }
            if let bias { n += bias[c] }
            y[c] = n
        }
        mean[r] = m
        rstd[r] = s
    }
}

/// Accumulates (+=) dinp (rows, C), dweight (C), dbias (C) from dout (rows, C); any may be nil.
public func layerNormBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>?,
                              _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                              _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>?,
                              _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, rows: Int, C: Int) {
    for r in 0..<rows {
        let x = inp + r * C, g = dout + r * C
        let m = mean[r], s = rstd[r]
        var dnormMean: Float = 0, dnormNormMean: Float = 0
        for c in 0..<C {
            let n = (x[c] - m) * s
            let dn = g[c] * (weight?[c] ?? 1)
            dnormMean += dn
            dnormNormMean += dn * n
            dbias?[c] += g[c]
            dweight?[c] += n * g[c]
        }
        dnormMean /= Float(C)
        dnormNormMean /= Float(C)
        guard let dinp else { continue }
        let d = dinp + r * C
        for c in 0..<C {
            let n = (x[c] - m) * s
            let dn = g[c] * (weight?[c] ?? 1)
            d[c] += (dn - dnormMean - n * dnormNormMean) * s
        }
    }
}

/// inp is (rows, C), weight (C) or nil; out (rows, C), rstd (rows).
/// out = x * rstd * weight with rstd = 1 / sqrt(mean(x^2) + eps) (Llama's RMSNorm).
public func rmsNormForward(_ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                           _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>?,
                           rows: Int, C: Int, eps: Float) {
    for r in 0..<rows {
        let x = inp + r * C, y = out + r * C
        let s = 1 / (rowDot(x, x, C) / Float(C) + eps).squareRoot()
        if let weight {
            for c in 0..<C { y[c] = x[c] * s * weight[c] }
        } else {
            for c in 0..<C { y[c] = x[c] * s }
        }
        rstd[r] = s
    }
}

/// Accumulates (+=) dinp (rows, C) and dweight (C) from dout (rows, C); either may be nil.
public func rmsNormBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>?,
                            _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
                            _ weight: UnsafePointer<Float>?, _ rstd: UnsafePointer<Float>, rows: Int, C: Int) {
    for r in 0..<rows {
        let x = inp + r * C, g = dout + r * C, s = rstd[r]
        var dnNormMean: Float = 0
        for c in 0..<C {
            let n = x[c] * s
            dnNormMean += g[c] * (weight?[c] ?? 1) * n
            dweight?[c] += g[c] * n
        }
        dnNormMean /= Float(C)
        guard let dinp else { continue }
        let d = dinp + r * C
        for c in 0..<C {
            let n = x[c] * s
            d[c] += s * (g[c] * (weight?[c] ?? 1) - n * dnNormMean)
        }
    }
}
