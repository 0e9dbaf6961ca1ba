// Elementwise kernels over contiguous Float32 buffers.
//
// Broadcasting is expressed with strides: an operand seen as a matrix (rows, cols) is addressed
// at base + r * rowStride + c * colStride, where colStride is 1 (a full row) or 0 (one value
// repeated along the row) and rowStride is 0 when the same row repeats for every output row.
// That covers same shape, a trailing-suffix operand such as a bias [C] against [N, C], a per-row
// operand [N, 1], and scalars, each with SIMD8 inner loops.

/// A binary function with a SIMD8 and a scalar form, so the loops below specialize per function.
public protocol ElementwiseBinary {
    static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    static func apply(_ a: Float, _ b: Float) -> Float
}

public enum AddFunction: ElementwiseBinary {
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { a + b }
}
public enum SubFunction: ElementwiseBinary {
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a - b }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { a - b }
}
public enum MulFunction: ElementwiseBinary {
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a * b }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { a * b }
}
public enum DivFunction: ElementwiseBinary {
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a / b }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { a / b }
}

/// How one operand of a binary kernel is laid out relative to the (rows, cols) output.
public struct OperandLayout: Sendable, Equatable {
    public var rowStride: Int
    public var colStride: Int  // 0 or 1
    public init(rowStride: Int, colStride: Int) {
        self.rowStride = rowStride
        self.colStride = colStride
    }
}

/// out (rows, cols) = F(a, b) with a and b addressed by their layouts.
@inline(__always)
public func binaryForward<F: ElementwiseBinary>(
    _ f: F.Type, _ out: UnsafeMutablePointer<Float>,
    _ a: UnsafePointer<Float>, _ la: OperandLayout, _ b: UnsafePointer<Float>, _ lb: OperandLayout,
    rows: Int, cols: Int
) {
    for r in 0..<rows {
        let o = out + r * cols, pa = a + r * la.rowStride, pb = b + r * lb.rowStride
        var c = 0
        switch (la.colStride, lb.colStride) {
        case (1, 1):
            while c + 8 <= cols {
                storeSIMD8(o + c, F.apply(loadSIMD8(pa + c), loadSIMD8(pb + c))); c += 8
            }
            while c < cols { o[c] = F.apply(pa[c], pb[c]); c += 1 }
        case (1, _):
            let vb = SIMD8<Float>(repeating: pb[0])
            while c + 8 <= cols { storeSIMD8(o + c, F.apply(loadSIMD8(pa + c), vb)); c += 8 }
            while c < cols { o[c] = F.apply(pa[c], pb[0]); c += 1 }
        case (_, 1):
            let va = SIMD8<Float>(repeating: pa[0])
            while c + 8 <= cols { storeSIMD8(o + c, F.apply(va, loadSIMD8(pb + c))); c += 8 }
            while c < cols { o[c] = F.apply(pa[0], pb[c]); c += 1 }
        default:
            let v = F.apply(pa[0], pb[0])
            (o).update(repeating: v, count: cols)
        }
    }
}

/// out (n) = inp * s + t.
public func affineForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, scale s: Float, shift t: Float, count n: Int) {
    let vs = SIMD8<Float>(repeating: s), vt = SIMD8<Float>(repeating: t)
    var i = 0
    while i + 8 <= n { storeSIMD8(out + i, loadSIMD8(inp + i) * vs + vt); i += 8 }
    while i < n { out[i] = inp[i] * s + t; i += 1 }
}

/// out (n) += inp (n) * s.
public func accumulateScaled(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, scale s: Float, count n: Int) {
    let vs = SIMD8<Float>(repeating: s)
    var i = 0
    while i + 8 <= n { storeSIMD8(out + i, loadSIMD8(out + i) + loadSIMD8(inp + i) * vs); i += 8 }
    while i < n { out[i] += inp[i] * s; i += 1 }
}

/// Sum of squares of x (n), accumulated in Double lanes for long vectors (gradient norms).
public func sumOfSquares(_ x: UnsafePointer<Float>, count n: Int) -> Double {
    var acc = SIMD8<Float>(), total = 0.0
    var i = 0
    while i + 8 <= n {
        let v = loadSIMD8(x + i)
        acc += v * v
        i += 8
        if i % 4096 == 0 { total += Double(acc.sum()); acc = SIMD8<Float>() }
    }
    total += Double(acc.sum())
    while i < n { total += Double(x[i]) * Double(x[i]); i += 1 }
    return total
}

@inline(__always) func loadSIMD8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) func loadSIMD8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) func storeSIMD8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
