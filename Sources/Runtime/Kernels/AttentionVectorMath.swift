// SIMD8 reductions shared by the attention and fused cross-entropy kernels. Swift never
// vectorizes a floating-point reduction by itself, so these are written by hand (e^x is
// `simdExp` in VectorMath.swift; loads and stores are in Elementwise.swift).

/// Largest of x[0..<n], n >= 1.
func vectorMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var i = 0
    var best = -Float.infinity
    if n >= 8 {
        var acc = loadSIMD8(x)
        i = 8
        while i + 8 <= n {
            let next = loadSIMD8(x + i)
            acc.replace(with: next, where: next .> acc)
            i += 8
        }
        best = acc.max()
    }
    while i < n { best = max(best, x[i]); i += 1 }
    return best
}

/// x[i] = exp(x[i] - shift) * multiplier for i in 0..<n; returns the sum of exp(x[i] - shift).
@discardableResult
func vectorExpShifted(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float, multiplier: Float = 1) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        let e = simdExp(loadSIMD8(x + i) - shift)
        acc += e
        storeSIMD8(x + i, e * multiplier)
        i += 8
    }
    var sum = acc.sum()
    if i < n {
        var tail = SIMD8<Float>(repeating: -.infinity)
        for j in i..<n { tail[j - i] = x[j] - shift }
        let e = simdExp(tail)
        sum += e.sum()
        for j in i..<n { x[j] = e[j - i] * multiplier }
    }
    return sum
}

/// Sum of exp(x[i] - shift) for i in 0..<n, leaving x as it is.
func vectorSumExpShifted(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        acc += simdExp(loadSIMD8(x + i) - shift)
        i += 8
    }
    var sum = acc.sum()
    while i < n { sum += simdExp(SIMD8(repeating: x[i] - shift))[0]; i += 1 }
    return sum
}

/// x[i] *= factor for i in 0..<n.
func vectorScale(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ factor: Float) {
    var i = 0
    while i + 8 <= n { storeSIMD8(x + i, loadSIMD8(x + i) * factor); i += 8 }
    while i < n { x[i] *= factor; i += 1 }
}

/// Sum of a[i] * b[i] for i in 0..<n.
func vectorDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        acc0.addProduct(loadSIMD8(a + i), loadSIMD8(b + i))
        acc1.addProduct(loadSIMD8(a + i + 8), loadSIMD8(b + i + 8))
        i += 16
    }
    if i + 8 <= n { acc0.addProduct(loadSIMD8(a + i), loadSIMD8(b + i)); i += 8 }
    var sum = (acc0 + acc1).sum()
    while i < n { sum += a[i] * b[i]; i += 1 }
    return sum
}

/// y[i] += alpha * x[i] for i in 0..<n.
func vectorAxpy(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    let a = SIMD8<Float>(repeating: alpha)
    while i + 8 <= n {
        storeSIMD8(y + i, loadSIMD8(y + i).addingProduct(a, loadSIMD8(x + i)))
        i += 8
    }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}
