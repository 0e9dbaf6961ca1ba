// SIMD8 building blocks shared by the attention and fused cross-entropy kernels. Swift never
// vectorizes a floating-point reduction by itself and libm's expf is a call per element, which
// would make softmax, not the matmuls, the cost of attention; so these are written by hand.

/// e^x for eight lanes: Cephes' range reduction x = n ln2 + r and a degree-6 polynomial, about
/// 2 ulp of relative error. Lanes below -87.3 (including -inf, used for masked scores) give 0.
@inline(__always)
func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88))
    // Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits, so
    // n comes out both as a float and as integer bits without a per-lane conversion call.
    let shifter = SIMD8<Float>(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + shifter
    let n = shifted - shifter
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * r * r + r + 1
    let integerN = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(shifter, to: SIMD8<Int32>.self)
    let exponentBits = (integerN &+ 127) &<< 23
    var result = p * unsafeBitCast(exponentBits, to: SIMD8<Float>.self)
    result.replace(with: 0, where: x .< -87.3)
    return result
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
}

/// Largest of x[0..<n], n >= 1.
func vectorMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var i = 0
    var best = -Float.infinity
    if n >= 8 {
        var acc = load8(x)
        i = 8
        while i + 8 <= n {
            let next = load8(x + i)
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
        let e = vectorExp(load8(x + i) - shift)
        acc += e
        store8(e * multiplier, x + i)
        i += 8
    }
    var sum = acc.sum()
    if i < n {
        var tail = SIMD8<Float>(repeating: -.infinity)
        for j in i..<n { tail[j - i] = x[j] - shift }
        let e = vectorExp(tail)
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
        acc += vectorExp(load8(x + i) - shift)
        i += 8
    }
    var sum = acc.sum()
    while i < n { sum += vectorExp(SIMD8(repeating: x[i] - shift))[0]; i += 1 }
    return sum
}

/// x[i] *= factor for i in 0..<n.
func vectorScale(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ factor: Float) {
    var i = 0
    while i + 8 <= n { store8(load8(x + i) * factor, x + i); i += 8 }
    while i < n { x[i] *= factor; i += 1 }
}

/// Sum of a[i] * b[i] for i in 0..<n.
func vectorDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        acc0.addProduct(load8(a + i), load8(b + i))
        acc1.addProduct(load8(a + i + 8), load8(b + i + 8))
        i += 16
    }
    if i + 8 <= n { acc0.addProduct(load8(a + i), load8(b + i)); i += 8 }
    var sum = (acc0 + acc1).sum()
    while i < n { sum += a[i] * b[i]; i += 1 }
    return sum
}

/// y[i] += alpha * x[i] for i in 0..<n.
func vectorAxpy(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    let a = SIMD8<Float>(repeating: alpha)
    while i + 8 <= n {
        store8(load8(y + i).addingProduct(a, load8(x + i)), y + i)
        i += 8
    }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}
