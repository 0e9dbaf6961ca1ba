import Foundation

/// The slow twins of the fast kernels: plain loops in Double over row-major arrays, written
/// from the definitions. Tests hold every fast Float32 kernel equal to its twin, and the float64
/// central-difference gradient checks differentiate these (the analytic side is the Float32
/// backward rule), so a wrong rule and a wrong fast kernel are both caught.
public enum ReferenceKernels {
    /// c (M, N) = op(a) op(b); a is (M, K) or (K, M) when transposed, b is (K, N) or (N, K).
    public static func matmul(_ a: [Double], _ b: [Double], M: Int, N: Int, K: Int,
                              transposeA: Bool = false, transposeB: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: M * N)
        for i in 0..<M {
            for j in 0..<N {
                var s = 0.0
                for k in 0..<K {
                    s += (transposeA ? a[k * M + i] : a[i * K + k]) * (transposeB ? b[j * K + k] : b[k * N + j])
                }
                c[i * N + j] = s
            }
        }
        return c
    }

    /// Softmax of each row of x (rows, cols).
    public static func softmax(_ x: [Double], cols: Int) -> [Double] {
        rowwise(x, cols) { row in
            let m = row.max() ?? 0
            let e = row.map { Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    /// Log-softmax of each row of x (rows, cols).
    public static func logSoftmax(_ x: [Double], cols: Int) -> [Double] {
        rowwise(x, cols) { row in
            let m = row.max() ?? 0
            let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
            return row.map { $0 - lse }
        }
    }

    /// LayerNorm of each row of x (rows, C) with weight/bias (C) or nil.
    public static func layerNorm(_ x: [Double], weight: [Double]?, bias: [Double]?, cols C: Int, eps: Double) -> [Double] {
        rowwise(x, C) { row in
            let mean = row.reduce(0, +) / Double(C)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(C)
            return row.indices.map { c in
                (row[c] - mean) / (variance + eps).squareRoot() * (weight?[c] ?? 1) + (bias?[c] ?? 0)
            }
        }
    }

    /// RMSNorm of each row of x (rows, C) with weight (C) or nil.
    public static func rmsNorm(_ x: [Double], weight: [Double]?, cols C: Int, eps: Double) -> [Double] {
        rowwise(x, C) { row in
            let ms = row.map { $0 * $0 }.reduce(0, +) / Double(C)
            return row.indices.map { c in row[c] / (ms + eps).squareRoot() * (weight?[c] ?? 1) }
        }
    }

    /// f applied to each value.
    public static func activation(_ f: Activation, _ x: [Double]) -> [Double] {
        x.map { v in
            switch f {
            case .gelu: return 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))
            case .geluTanh: return 0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            case .silu: return v / (1 + Foundation.exp(-v))
            case .relu: return max(v, 0)
            case .exp: return Foundation.exp(v)
            case .log: return Foundation.log(v)
            }
        }
    }

    /// silu(gate) * up.
    public static func swiglu(gate: [Double], up: [Double]) -> [Double] {
        zip(activation(.silu, gate), up).map { $0 * $1 }
    }

    /// Rows ids[n] of table (V, C).
    public static func embedding(_ ids: [Int], table: [Double], cols C: Int) -> [Double] {
        ids.flatMap { table[($0 * C)..<($0 * C + C)] }
    }

    /// Sum of -log softmax(logits)[label] over rows whose label is not `ignoreIndex`, and their count.
    public static func crossEntropySum(logits: [Double], labels: [Int], cols V: Int) -> (sum: Double, count: Int) {
        let lsm = logSoftmax(logits, cols: V)
        var sum = 0.0, count = 0
        for (n, label) in labels.enumerated() where label != ignoreIndex {
            sum -= lsm[n * V + label]
            count += 1
        }
        return (sum, count)
    }

    private static func rowwise(_ x: [Double], _ cols: Int, _ f: ([Double]) -> [Double]) -> [Double] {
        guard cols > 0 else { return x }
        return stride(from: 0, to: x.count, by: cols).flatMap { f(Array(x[$0..<($0 + cols)])) }
    }
}
