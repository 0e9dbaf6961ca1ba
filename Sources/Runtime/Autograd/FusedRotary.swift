/// Rotary position embedding through the fused kernel (Kernels/RoPE.swift), as one
/// differentiable op: x [B, T, heads, hd] rotated by each token's position (`positions`, B * T
/// values, row-major) with `inverseFrequencies` [hd / 2] in the given layout. The composed twin
/// is the models' `applyRotary` (cos/sin tables and rotate_half); tests hold them equal.
public func fusedRotary(_ x: Tensor, positions: [Int], inverseFrequencies: [Float], layout: RoPELayout = .halfRotation) -> Tensor {
    precondition(x.rank == 4 && positions.count == x.shape[0] * x.shape[1] && inverseFrequencies.count * 2 <= x.shape[3],
                 "fusedRotary: x \(x.shape) must be [B, T, heads, hd] with B*T = \(positions.count) positions and hd >= 2 * \(inverseFrequencies.count) frequencies")
    let (B, T, nHead, hd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let rotaryDim = inverseFrequencies.count * 2
    let out = Tensor.uninitialized(x.shape)
    ropeForward(out.pointer, x.pointer, positions: positions, inverseFrequencies: inverseFrequencies,
                B: B, T: T, nHead: nHead, headDim: hd, rotaryDim: rotaryDim, layout: layout)
    return Tensor.result(out, .custom(CustomBackward(name: "fusedRotary") { g, inputs, _ in
        let dx = Tensor.zeros(inputs[0].shape)
        ropeBackward(dx.pointer, g.pointer, positions: positions, inverseFrequencies: inverseFrequencies,
                     B: B, T: T, nHead: nHead, headDim: hd, rotaryDim: rotaryDim, layout: layout)
        return [dx]
    }), [x])
}
