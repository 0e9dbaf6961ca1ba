/// A weight in LLM.int8's storage: each row scaled by its absmax to int8 (bitsandbytes'
/// `int8_vectorwise_quant`: codes = round(w * 127 / absmax), ties to even), 1 byte per value
/// plus one Float32 per row. Rows decode as code * absmax / 127.
public struct Int8Weight: PackedWeight {
    public let outFeatures: Int
    public let inFeatures: Int
    /// Row-major codes [out, in].
    public let codes: [Int8]
    /// absmax of each row [out].
    public let rowScales: [Float]

    public init(quantizing values: UnsafeBufferPointer<Float>, outFeatures: Int, inFeatures: Int) {
        precondition(values.count == outFeatures * inFeatures,
                     "Int8Weight: \(values.count) values for [\(outFeatures), \(inFeatures)]")
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        var codes = [Int8](repeating: 0, count: values.count)
        var scales = [Float](repeating: 0, count: outFeatures)
        for r in 0..<outFeatures {
            let row = UnsafeBufferPointer(rebasing: values[(r * inFeatures)..<((r + 1) * inFeatures)])
            scales[r] = quantizeRowInt8(row, into: &codes, at: r * inFeatures)
        }
        self.codes = codes
        rowScales = scales
    }

    public var byteCount: Int { codes.count + 4 * rowScales.count }

    public func decodeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= outFeatures, "Int8Weight: rows \(rows) of \(outFeatures)")
        for (i, r) in rows.enumerated() {
            let scale = rowScales[r] / 127
            let out = destination + i * inFeatures, base = r * inFeatures
            for c in 0..<inFeatures { out[c] = Float(codes[base + c]) * scale }
        }
    }
}

/// Writes round(v * 127 / absmax) of one row into `codes[at...]` and returns the row's absmax
/// (a zero row gets codes 0).
func quantizeRowInt8(_ row: UnsafeBufferPointer<Float>, into codes: inout [Int8], at start: Int) -> Float {
    let absmax = row.reduce(0) { max($0, abs($1)) }
    let factor: Float = absmax > 0 ? 127 / absmax : 0
    for (c, v) in row.enumerated() {
        codes[start + c] = Int8(max(-127, min(127, (v * factor).rounded(.toNearestOrEven))))
    }
    return absmax
}

/// LLM.int8 (bitsandbytes' `Linear8bitLt` with frozen int8 weights): the input is quantized to
/// int8 per row, except the feature columns where some row of the batch has |x| >= threshold,
/// which are multiplied in full precision. As in bitsandbytes, those outlier columns meet the
/// int8 weight columns dequantized (the outlier set depends on the batch, so a Float32 copy of
/// "the outlier columns of W" would be all of W). Set `threshold` to 0 for no outlier path.
///
/// The forward computes x' W_dq^T where x' holds the int8-rounded activations on ordinary
/// columns and the exact ones on outlier columns, which equals bitsandbytes' int8 product plus
/// its full-precision outlier product up to Float32 rounding. The backward is bitsandbytes':
/// dx = dy W_dq (straight through the activation rounding).
public final class Int8Linear: Module, PackedLinearLayer {
    public let weight: Int8Weight
    public let threshold: Float
    public var packedWeight: any PackedWeight { weight }
    public var inFeatures: Int { weight.inFeatures }
    public var outFeatures: Int { weight.outFeatures }
    public var bias: Tensor? { parameter("bias") }

    public init(weight: Int8Weight, bias: Tensor? = nil, threshold: Float = 6) {
        precondition(bias == nil || bias!.shape == [weight.outFeatures],
                     "Int8Linear: bias \(bias!.shape) for \(weight.outFeatures) outputs")
        self.weight = weight
        self.threshold = threshold
        super.init()
        setParameter("bias", bias?.detached())
    }

    public convenience init(quantizing linear: Linear, threshold: Float = 6) {
        let w = linear.weight
        let packed = w.withUnsafeBufferPointer { Int8Weight(quantizing: $0, outFeatures: w.shape[0], inFeatures: w.shape[1]) }
        self.init(weight: packed, bias: linear.bias, threshold: threshold)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let rounded = int8RoundedActivations(x, threshold: threshold)
        // Straight-through: the product sees `rounded`, the gradient flows to x unchanged.
        let input = Tensor.custom(name: "int8Activations", inputs: [x], output: rounded) { g, _, _ in [g] }
        return packedLinear(input, weight: weight, bias: bias)
    }

    /// Input feature columns that take the full-precision path for this batch x [..., in].
    public func outlierColumns(_ x: Tensor) -> [Int] {
        int8OutlierColumns(x, threshold: threshold)
    }
}

/// Columns c where some row of x [..., in] has |x[r, c]| >= threshold (none when threshold <= 0).
func int8OutlierColumns(_ x: Tensor, threshold: Float) -> [Int] {
    guard threshold > 0 else { return [] }
    let rows = x.rowCount, n = x.lastDim, p = x.pointer
    return (0..<n).filter { c in (0..<rows).contains { abs(p[$0 * n + c]) >= threshold } }
}

/// x [..., in] with each row quantized to int8 and back (row absmax over the non-outlier
/// entries, as bitsandbytes zeroes outliers before taking it) on ordinary columns, and the
/// exact values on outlier columns.
func int8RoundedActivations(_ x: Tensor, threshold: Float) -> Tensor {
    let rows = x.rowCount, n = x.lastDim
    let outliers = int8OutlierColumns(x, threshold: threshold)
    var isOutlierColumn = [Bool](repeating: false, count: n)
    for c in outliers { isOutlierColumn[c] = true }
    let out = Tensor.uninitialized(x.shape)
    let src = x.pointer, dst = out.pointer
    for r in 0..<rows {
        let row = src + r * n, target = dst + r * n
        var absmax: Float = 0
        for c in 0..<n where !(threshold > 0 && abs(row[c]) >= threshold) { absmax = max(absmax, abs(row[c])) }
        let factor: Float = absmax > 0 ? 127 / absmax : 0, back = absmax / 127
        for c in 0..<n {
            target[c] = isOutlierColumn[c] ? row[c] : (row[c] * factor).rounded(.toNearestOrEven) * back
        }
    }
    return out
}
