// Vectorized transcendental functions for the pointwise kernels. Swift calls libm once per
// lane for exp on SIMD vectors; these stay in AVX2 registers.

/// e^x for eight lanes: Cephes' expf scheme (x = n ln2 + r, |r| <= ln2/2, degree-5 polynomial
/// for e^r, 2^n built in the exponent bits). Within a few ulp of expf on [-87.3, 88];
/// slightly less accurate up to 88.72 (n is capped at 127); 0 below -87.3 (including -inf, so
/// masked scores vanish exactly), +inf above 88.72.
@inline(__always)
public func simdExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Masked selects instead of clamped(): the stdlib's pointwise min/max are not inlined.
    var clamped = x.replacing(with: -87.3, where: x .< -87.3)
    clamped.replace(with: 88.72, where: clamped .> 88.72)
    var n = (clamped * 1.442_695_040_888_963_4).rounded(.toNearestOrEven)
    n.replace(with: -126, where: n .< -126)
    n.replace(with: 127, where: n .> 127)
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * r * r + r + 1
    // n is an integer in [-126, 127]: adding 1.5 * 2^23 puts it in the low mantissa bits, which
    // converts it without the stdlib's per-lane checked conversion.
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let integer = unsafeBitCast(n + magic, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let bits = (integer &+ 127) &<< 23
    var result = p * unsafeBitCast(bits, to: SIMD8<Float>.self)
    result.replace(with: 0, where: x .< -87.3)
    result.replace(with: .infinity, where: x .> 88.72)
    result.replace(with: x, where: x .!= x)  // NaN stays NaN
    return result
}

/// Applies `f` to every SIMD8 block of inp (n) into out (n), and `scalar` to the tail.
@inline(__always)
func mapSIMD8(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int,
              _ f: (SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= n { storeSIMD8(out + i, f(loadSIMD8(inp + i))); i += 8 }
    if i < n {
        var tail = SIMD8<Float>()
        for j in 0..<(n - i) { tail[j] = inp[i + j] }
        let y = f(tail)
        for j in 0..<(n - i) { out[i + j] = y[j] }
    }
}

/// out (n) = f(a, b, c) blockwise; any of the inputs may alias `out` (each block is loaded
/// before it is stored), which is how accumulating backward kernels use it.
@inline(__always)
func mapSIMD8(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
              _ c: UnsafePointer<Float>, _ n: Int, _ f: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= n { storeSIMD8(out + i, f(loadSIMD8(a + i), loadSIMD8(b + i), loadSIMD8(c + i))); i += 8 }
    if i < n {
        var ta = SIMD8<Float>(), tb = SIMD8<Float>(), tc = SIMD8<Float>()
        for j in 0..<(n - i) { ta[j] = a[i + j]; tb[j] = b[i + j]; tc[j] = c[i + j] }
        let y = f(ta, tb, tc)
        for j in 0..<(n - i) { out[i + j] = y[j] }
    }
}

/// 1 / (1 + e^-x), the logistic sigmoid, for eight lanes.
@inline(__always)
func simdSigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + simdExp(-x)) }

/// tanh for eight lanes as 1 - 2 / (e^2x + 1) (saturates cleanly to ±1).
@inline(__always)
func simdTanh(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 - 2 / (simdExp(2 * x) + 1) }

/// erf for eight lanes (Abramowitz & Stegun 7.1.26: absolute error below 1.5e-7, enough for
/// GELU, where erf is added to 1).
@inline(__always)
func simdErf(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let ax = x.replacing(with: -x, where: x .< 0)
    let t = 1 / (1 + 0.327_591_1 * ax)
    var p = SIMD8<Float>(repeating: 1.061_405_429)
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    let y = 1 - p * t * simdExp(-ax * ax)
    return y.replacing(with: -y, where: x .< 0)
}
