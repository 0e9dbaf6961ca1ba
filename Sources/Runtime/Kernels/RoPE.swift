import Foundation

/// How the rotated pairs of a head vector are laid out.
public enum RoPELayout: Sendable, Equatable {
    /// Llama / HF `rotate_half`: element i pairs with element i + headDim/2.
    case halfRotation
    /// GPT-J / GGML "normal" rope: element 2i pairs with element 2i+1.
    case interleaved
}

/// Llama 3 frequency scaling (`rope_scaling: {"rope_type": "llama3", ...}` in config.json).
public struct RoPELlama3Scaling: Sendable, Equatable {
    public var factor: Double
    public var lowFreqFactor: Double
    public var highFreqFactor: Double
    public var originalMaxPositionEmbeddings: Int

    public init(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositionEmbeddings: Int) {
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
    }
}

/// The `rotaryDim/2` inverse frequencies `theta^(-2i/rotaryDim)`, optionally with Llama 3 scaling:
/// long wavelengths (> original_max / low_freq_factor) are divided by `factor`, short ones
/// (< original_max / high_freq_factor) kept, and the band between interpolated smoothly, as in
/// transformers' `_compute_llama3_parameters`. Computed in Float32 step by step like transformers,
/// so angles agree with it to the last bit or two.
public func ropeInverseFrequencies(rotaryDim: Int, theta: Double, llama3: RoPELlama3Scaling? = nil) -> [Float] {
    precondition(rotaryDim > 0 && rotaryDim % 2 == 0, "rope: rotaryDim must be positive and even, got \(rotaryDim)")
    var frequencies = (0..<rotaryDim / 2).map { i -> Float in
        let exponent = Float(2 * i) / Float(rotaryDim)
        return 1 / Float(pow(theta, Double(exponent)))
    }
    guard let s = llama3 else { return frequencies }
    let oldContext = Float(s.originalMaxPositionEmbeddings)
    let lowFreqWavelength = Float(Double(s.originalMaxPositionEmbeddings) / s.lowFreqFactor)
    let highFreqWavelength = Float(Double(s.originalMaxPositionEmbeddings) / s.highFreqFactor)
    let factor = Float(s.factor)
    for i in frequencies.indices {
        let f = frequencies[i]
        let wavelength = Float(2 * Double.pi) / f
        if wavelength > lowFreqWavelength {
            frequencies[i] = f / factor
        } else if wavelength >= highFreqWavelength {
            let smooth = (oldContext / wavelength - Float(s.lowFreqFactor)) / Float(s.highFreqFactor - s.lowFreqFactor)
            frequencies[i] = (1 - smooth) * f / factor + smooth * f
        }
    }
    return frequencies
}

/// cos and sin of `position * frequency` for one token: `cosSin` is [half] cos then [half] sin. The product is taken in Float32, as transformers does.
@inline(__always)
private func fillAngles(_ cosSin: UnsafeMutablePointer<Float>, position: Int,
                        _ inverseFrequencies: UnsafePointer<Float>, _ half: Int) {
    let p = Float(position)
    for i in 0..<half {
        let angle = p * inverseFrequencies[i]
        cosSin[i] = cos(angle)
        cosSin[half + i] = sin(angle)
    }
}

/// Applies the rotation of each token's position to every head, in place or out of place.
/// out, inp are [B,T,nHead,headDim] (out may equal inp); positions is [B,T] (packing restarts
/// them per sequence); inverseFrequencies is [rotaryDim/2] (`ropeInverseFrequencies`). Only the
/// first rotaryDim elements of each head rotate (partial rotary, as in GPT-NeoX and Phi); the
/// rest pass through. `transpose` applies the inverse rotation, which is the backward pass.
private func ropeRotate(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, accumulate: Bool,
                        transpose: Bool, _ positions: UnsafePointer<Int>, _ inverseFrequencies: UnsafePointer<Float>,
                        _ B: Int, _ T: Int, _ nHead: Int, _ headDim: Int, _ rotaryDim: Int, _ layout: RoPELayout) {
    precondition(rotaryDim > 0 && rotaryDim % 2 == 0 && rotaryDim <= headDim,
                 "rope: rotaryDim must be positive, even and <= headDim; got rotaryDim \(rotaryDim) headDim \(headDim)")
    let half = rotaryDim / 2
    let sign: Float = transpose ? -1 : 1
    let (firstStride, pairOffset) = layout == .halfRotation ? (1, half) : (2, 1)
    let passThrough = rotaryDim < headDim && (accumulate || UnsafePointer(out) != inp)
    ThreadPolicy.parallelFor(B * T, grain: 16) { tokens in
        let cosSin = UnsafeMutablePointer<Float>.allocate(capacity: rotaryDim)
        defer { cosSin.deallocate() }
        for bt in tokens {
            fillAngles(cosSin, position: positions[bt], inverseFrequencies, half)
            for h in 0..<nHead {
                let x = inp + (bt * nHead + h) * headDim
                let y = out + (bt * nHead + h) * headDim
                // (a, b) -> (a c - b s, b c + a s); the transpose flips the sign of s.
                for i in 0..<half {
                    let c = cosSin[i], s = sign * cosSin[half + i]
                    let ia = i * firstStride, ib = ia + pairOffset
                    let a = x[ia], b = x[ib]
                    if accumulate {
                        y[ia] += a * c - b * s
                        y[ib] += b * c + a * s
                    } else {
                        y[ia] = a * c - b * s
                        y[ib] = b * c + a * s
                    }
                }
                if passThrough {
                    for d in rotaryDim..<headDim { y[d] = accumulate ? y[d] + x[d] : x[d] }
                }
            }
        }
    }
}

/// RoPE forward: out = rotate(inp) by each token's position.
/// out, inp are [B,T,nHead,headDim] (out may equal inp); positions is [B,T];
/// inverseFrequencies is [rotaryDim/2]; rotaryDim defaults to headDim (nil).
/// Nothing is cached: the backward recomputes the angles.
public func ropeForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                        positions: UnsafePointer<Int>, inverseFrequencies: UnsafePointer<Float>,
                        B: Int, T: Int, nHead: Int, headDim: Int, rotaryDim: Int? = nil, layout: RoPELayout) {
    ropeRotate(out, inp, accumulate: false, transpose: false, positions, inverseFrequencies, B, T, nHead, headDim,
               rotaryDim ?? headDim, layout)
}

/// RoPE backward: dInp += rotate^T(dOut) (a rotation's transpose is its inverse).
/// dInp, dOut are [B,T,nHead,headDim] and must not alias; positions is [B,T]; other arguments as
/// in `ropeForward`.
public func ropeBackward(_ dInp: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                         positions: UnsafePointer<Int>, inverseFrequencies: UnsafePointer<Float>,
                         B: Int, T: Int, nHead: Int, headDim: Int, rotaryDim: Int? = nil, layout: RoPELayout) {
    ropeRotate(dInp, dOut, accumulate: true, transpose: true, positions, inverseFrequencies, B, T, nHead, headDim,
               rotaryDim ?? headDim, layout)
}
