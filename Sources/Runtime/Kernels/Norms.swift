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
        let vm = SIMD8<Float>(repeating: m)
        var acc = SIMD8<Float>()
        var c = 0
        while c + 8 <= C { let d = loadSIMD8(x + c) - vm; acc += d * d; c += 8 }
        var v = acc.sum()
        while c < C { let d = x[c] - m; v += d * d; c += 1 }
        let s = 1 / (v / Float(C) + eps).squareRoot()
        // y = x * a + b per column, with a = s * weight and b = bias - m * a.
        c = 0
        let vs = SIMD8<Float>(repeating: s)
        while c + 8 <= C {
            var n = (loadSIMD8(x + c) - vm) * vs
            if let weight { n *= loadSIMD8(weight + c) }
            if let bias { n += loadSIMD8(bias + c) }
            storeSIMD8(y + c, n)
            c += 8
        }
        while c < C {
            var n = (x[c] - m) * s
            if let weight { n *= weight[c] }
            if let bias { n += bias[c] }
            y[c] = n
            c += 1
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
    // Per row: n = (x - mean) * rstd, dn = dout * weight;
    // dx = (dn - mean(dn) - n * mean(dn * n)) * rstd; dweight += dout * n; dbias += dout.
    let one = SIMD8<Float>(repeating: 1)
    for r in 0..<rows {
        let x = inp + r * C, g = dout + r * C
        let vm = SIMD8<Float>(repeating: mean[r]), vs = SIMD8<Float>(repeating: rstd[r])
        var a1 = SIMD8<Float>(), a2 = SIMD8<Float>()
        var c = 0
        while c + 8 <= C {
            let n = (loadSIMD8(x + c) - vm) * vs, gv = loadSIMD8(g + c)
            let dn = gv * (weight.map { loadSIMD8($0 + c) } ?? one)
            a1 += dn
            a2 += dn * n
            if let dbias { storeSIMD8(dbias + c, loadSIMD8(dbias + c) + gv) }
            if let dweight { storeSIMD8(dweight + c, loadSIMD8(dweight + c) + n * gv) }
            c += 8
        }
        var dnormMean = a1.sum(), dnormNormMean = a2.sum()
        while c < C {
            let n = (x[c] - mean[r]) * rstd[r]
            let dn = g[c] * (weight?[c] ?? 1)
            dnormMean += dn
            dnormNormMean += dn * n
            dbias?[c] += g[c]
            dweight?[c] += n * g[c]
            c += 1
        }
        dnormMean /= Float(C)
        dnormNormMean /= Float(C)
        guard let dinp else { continue }
        let d = dinp + r * C
        let vdm = SIMD8<Float>(repeating: dnormMean), vdnm = SIMD8<Float>(repeating: dnormNormMean)
        c = 0
        while c + 8 <= C {
            let n = (loadSIMD8(x + c) - vm) * vs
            let dn = loadSIMD8(g + c) * (weight.map { loadSIMD8($0 + c) } ?? one)
            storeSIMD8(d + c, loadSIMD8(d + c) + (dn - vdm - n * vdnm) * vs)
            c += 8
        }
        while c < C {
            let n = (x[c] - mean[r]) * rstd[r]
            let dn = g[c] * (weight?[c] ?? 1)
            d[c] += (dn - dnormMean - n * dnormNormMean) * rstd[r]
            c += 1
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
