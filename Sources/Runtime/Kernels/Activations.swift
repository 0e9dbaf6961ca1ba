import Foundation

// Pointwise activations. Each forward is out (n) = f(inp (n)); each backward accumulates
// dinp (n) += dout * f'(inp).

/// Which pointwise function an activation kernel applies.
public enum Activation: Sendable, Equatable {
    /// GELU with the exact erf: x * Phi(x) (torch's default, "gelu").
    case gelu
    /// GELU's tanh approximation ("gelu_new", "gelu_pytorch_tanh").
    case geluTanh
    /// x * sigmoid(x), also called swish.
    case silu
    case relu
    case exp
    case log
}

private let sqrt2OverPi: Float = 0.7978845608028654
private let invSqrt2: Float = 0.7071067811865476
private let invSqrt2Pi: Float = 0.3989422804014327

/// out (n) = f(inp (n)).
public func activationForward(_ f: Activation, _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count n: Int) {
    switch f {
    case .gelu: for i in 0..<n { let x = inp[i]; out[i] = 0.5 * x * (1 + erff(x * invSqrt2)) }
    case .geluTanh:
        for i in 0..<n {
            let x = inp[i]
            out[i] = 0.5 * x * (1 + tanhf(sqrt2OverPi * (x + 0.044715 * x * x * x)))
        }
    case .silu: for i in 0..<n { let x = inp[i]; out[i] = x / (1 + expf(-x)) }
    case .relu: for i in 0..<n { out[i] = max(inp[i], 0) }
    case .exp: for i in 0..<n { out[i] = expf(inp[i]) }
    case .log: for i in 0..<n { out[i] = logf(inp[i]) }
    }
}

/// dinp (n) += dout (n) * f'(inp (n)).
public func activationBackward(_ f: Activation, _ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                               _ inp: UnsafePointer<Float>, count n: Int) {
    switch f {
    case .gelu:
        for i in 0..<n {
            let x = inp[i]
            let cdf = 0.5 * (1 + erff(x * invSqrt2))
            dinp[i] += dout[i] * (cdf + x * invSqrt2Pi * expf(-0.5 * x * x))
        }
    case .geluTanh:
        for i in 0..<n {
            let x = inp[i]
            let u = sqrt2OverPi * (x + 0.044715 * x * x * x)
            let t = tanhf(u)
            let du = sqrt2OverPi * (1 + 3 * 0.044715 * x * x)
            dinp[i] += dout[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        }
    case .silu:
        for i in 0..<n {
            let x = inp[i], s = 1 / (1 + expf(-x))
            dinp[i] += dout[i] * s * (1 + x * (1 - s))
        }
    case .relu: for i in 0..<n where inp[i] > 0 { dinp[i] += dout[i] }
    case .exp: for i in 0..<n { dinp[i] += dout[i] * expf(inp[i]) }
    case .log: for i in 0..<n { dinp[i] += dout[i] / inp[i] }
    }
}

/// SwiGLU: out (n) = silu(gate (n)) * up (n), the Llama MLP's gating.
public func swigluForward(_ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
    for i in 0..<n { let g = gate[i]; out[i] = g / (1 + expf(-g)) * up[i] }
}

/// dgate (n) += dout * up * silu'(gate); dup (n) += dout * silu(gate). Either may be nil.
public func swigluBackward(_ dgate: UnsafeMutablePointer<Float>?, _ dup: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                           _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
    for i in 0..<n {
        let g = gate[i], s = 1 / (1 + expf(-g))
        dgate?[i] += dout[i] * up[i] * s * (1 + g * (1 - s))
        dup?[i] += dout[i] * g * s
    }
}
