/// The outputs of several linear layers that read the same input x [..., in] (q/k/v, gate/up),
/// computed in one pass when every layer is a frozen `PackedLinear` over decode-layout blocks and
/// x has at most `packedDirectProductMaxRows` rows (decode): x is quantized once and the rows of
/// all the weights are split across threads as one loop. Nil otherwise (LoRA-wrapped or Float32
/// layers, prefill, or a gradient that must reach x): the caller then runs the layers one by one.
/// The results equal the layers' own outputs.
func sharedInputPackedProducts(_ x: Tensor, _ layers: [any LinearLayer]) -> [Tensor]? {
    let M = x.rowCount
    guard M <= packedDirectProductMaxRows, !(GradMode.enabled && x.requiresGrad) else { return nil }
    var weights: [(layer: PackedLinear, weight: DecodeBlockWeight)] = []
    for layer in layers {
        guard let packed = layer as? PackedLinear, let weight = packed.weight as? DecodeBlockWeight,
              weight.inFeatures == x.lastDim else { return nil }
        weights.append((packed, weight))
    }
    let leading = Array(x.shape.dropLast())
    let outputs = weights.map { Tensor.uninitialized(leading + [$0.weight.outFeatures]) }
    decodeBlockProducts(zip(weights, outputs).map { ($0.weight, $1.pointer) }, x.pointer, M: M)
    // Biases as `packedLinear` adds them (frozen, so nothing is recorded).
    return zip(weights, outputs).map { entry, y in entry.layer.bias.map { y + $0 } ?? y }
}
