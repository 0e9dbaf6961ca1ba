/// A counter-based random generator that gives the same numbers on every machine.
///
/// Value number `i` of stream `seed` is SplitMix64's finalizer applied to
/// `seed &* 0x9E3779B97F4A7C15 &+ (i + 1) &* 0xBF58476D1CE4E5B9`: a pure function of (seed, i), so a
/// stream can be resumed from its `counter` (saved with a checkpoint) or skipped ahead without
/// generating the values in between. It is not PyTorch's generator: seed 42 here does not give
/// torch's numbers, only the same numbers here on every run and machine. Floats are made from the
/// top 24 bits (uniform in [0, 1)), normals by Box-Muller from two uniforms.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The stream; HF's default seed is 42.
    public var seed: UInt64
    /// How many 64-bit values were drawn so far.
    public var counter: UInt64

    public init(seed: UInt64 = 42, counter: UInt64 = 0) {
        self.seed = seed
        self.counter = counter
    }

    /// The value at `index` of this stream, without advancing.
    public func value(at index: UInt64) -> UInt64 {
        var z = seed &* 0x9E37_79B9_7F4A_7C15 &+ (index &+ 1) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream for a sub-component (a layer's dropout, a data shuffle): its seed
    /// is this stream's value at a far-away index chosen by `stream`, so it does not overlap.
    public func derived(_ stream: UInt64) -> SeededGenerator {
        SeededGenerator(seed: value(at: 0x8000_0000_0000_0000 ^ stream))
    }

    public mutating func next() -> UInt64 {
        let v = value(at: counter)
        counter &+= 1
        return v
    }

    /// Uniform in [0, 1), 24 bits of resolution.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal (mean 0, std 1) by Box-Muller in Double; consumes two values.
    public mutating func nextNormal() -> Float {
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)  // (0, 1]
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
