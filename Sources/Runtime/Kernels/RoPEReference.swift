import Foundation

/// Plain-loop twin of `ropeForward` / `ropeBackward`, generic so tests run it in Double.
/// x is [B,T,nHead,headDim]; positions [B,T]; inverseFrequencies [rotaryDim/2] (rotaryDim
/// defaults to headDim; elements past it pass through).
/// `transpose: true` applies the inverse rotation (the backward's dInp for dOut = x).
@inlinable
public func ropeReference<F: BinaryFloatingPoint>(_ x: [F], positions: [Int], inverseFrequencies: [Float],
                                                  B: Int, T: Int, nHead: Int, headDim: Int,
                                                  rotaryDim: Int? = nil, layout: RoPELayout,
                                                  transpose: Bool = false) -> [F] {
    precondition(x.count == B * T * nHead * headDim && positions.count == B * T,
                 "ropeReference: x \(x.count) positions \(positions.count) for B \(B) T \(T) nHead \(nHead) headDim \(headDim)")
    var y = x
    let half = (rotaryDim ?? headDim) / 2
    for bt in 0..<(B * T) {
        for h in 0..<nHead {
            let base = (bt * nHead + h) * headDim
            for i in 0..<half {
                let angle = Float(positions[bt]) * inverseFrequencies[i]
                let c = F(Double(cos(angle))), s = F(Double(sin(angle))) * (transpose ? -1 : 1)
                let ia = layout == .halfRotation ? base + i : base + 2 * i
                let ib = layout == .halfRotation ? ia + half : ia + 1
                y[ia] = x[ia] * c - x[ib] * s
                y[ib] = x[ib] * c + x[ia] * s
            }
        }
    }
    return y
}
