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

extension Activation {
    /// The activation a transformers config names in `hidden_act` / `activation_function`, or
    /// nil for one this runtime does not have.
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "silu", "swish": self = .silu
        case "relu": self = .relu
        default: return nil
        }
    }
}

private let sqrt2OverPi: Float = 0.7978845608028654
private let invSqrt2: Float = 0.7071067811865476
private let invSqrt2Pi: Float = 0.3989422804014327

/// out (n) = f(inp (n)).
public func activationForward(_ f: Activation, _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count n: Int) {
    switch f {
    case .gelu: mapSIMD8(out, inp, n) { x in 0.5 * x * (1 + simdErf(x * invSqrt2)) }
    case .geluTanh: mapSIMD8(out, inp, n) { x in 0.5 * x * (1 + simdTanh(sqrt2OverPi * (x + 0.044715 * x * x * x))) }
    case .silu: mapSIMD8(out, inp, n) { x in x * simdSigmoid(x) }
    case .relu: mapSIMD8(out, inp, n) { x in x.replacing(with: 0, where: x .< 0) }
    case .exp: mapSIMD8(out, inp, n, simdExp)
    case .log: for i in 0..<n { out[i] = logf(inp[i]) }
    }
}

/// dinp (n) += dout (n) * f'(inp (n)).
public func activationBackward(_ f: Activation, _ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                               _ inp: UnsafePointer<Float>, count n: Int) {
    switch f {
    case .gelu:
        mapSIMD8(dinp, dinp, dout, inp, n) { d, g, x in
            d + g * (0.5 * (1 + simdErf(x * invSqrt2)) + x * invSqrt2Pi * simdExp(-0.5 * x * x))
        }
    case .geluTanh:
        mapSIMD8(dinp, dinp, dout, inp, n) { d, g, x in
            let t = simdTanh(sqrt2OverPi * (x + 0.044715 * x * x * x))
            let du = sqrt2OverPi * (1 + 3 * 0.044715 * x * x)
            return d + g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        }
    case .silu:
        mapSIMD8(dinp, dinp, dout, inp, n) { d, g, x in
            let s = simdSigmoid(x)
            return d + g * s * (1 + x * (1 - s))
        }
    case .relu: for i in 0..<n where inp[i] > 0 { dinp[i] += dout[i] }
    case .exp: mapSIMD8(dinp, dinp, dout, inp, n) { d, g, x in d + g * simdExp(x) }
    case .log: for i in 0..<n { dinp[i] += dout[i] / inp[i] }
    }
}

/// SwiGLU: out (n) = silu(gate (n)) * up (n), the Llama MLP's gating.
public func swigluForward(_ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
    mapSIMD8(out, gate, up, up, n) { g, u, _ in g * simdSigmoid(g) * u }
}

/// dgate (n) += dout * up * silu'(gate); dup (n) += dout * silu(gate). Either may be nil.
public func swigluBackward(_ dgate: UnsafeMutablePointer<Float>?, _ dup: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                           _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
    var i = 0
    while i + 8 <= n {
        let x = loadSIMD8(gate + i), g = loadSIMD8(dout + i), s = simdSigmoid(x)
        if let dgate { storeSIMD8(dgate + i, loadSIMD8(dgate + i) + g * loadSIMD8(up + i) * s * (1 + x * (1 - s))) }
        if let dup { storeSIMD8(dup + i, loadSIMD8(dup + i) + g * x * s) }
        i += 8
    }
    while i < n {
        let x = gate[i], s = 1 / (1 + expf(-x))
        dgate?[i] += dout[i] * up[i] * s * (1 + x * (1 - s))
        dup?[i] += dout[i] * x * s
        i += 1
    }
}
