/// THE table of derivative rules: one arm per `Op`. Given the op, its inputs, its output and the
/// gradient of the output, return one gradient per input (nil when that input needs none), each
/// with its input's shape. Runs with recording off, so tensor ops used here build no graph.
func backwardRule(_ op: Op, inputs x: [Tensor], output: Tensor, gradOutput g: Tensor) -> [Tensor?] {
    func needs(_ i: Int) -> Bool { i < x.count && x[i].requiresGrad }
    /// A zeroed gradient for input i, filled by a kernel that accumulates.
    func accumulated(_ i: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> Tensor? {
        guard needs(i) else { return nil }
        let d = Tensor.zeros(x[i].shape)
        fill(d.pointer)
        return d
    }

    switch op {
    case .add:
        return [needs(0) ? g.summed(toShape: x[0].shape) : nil, needs(1) ? g.summed(toShape: x[1].shape) : nil]
    case .sub:
        return [needs(0) ? g.summed(toShape: x[0].shape) : nil, needs(1) ? (-g).summed(toShape: x[1].shape) : nil]
    case .mul:
        return [needs(0) ? (g * x[1]).summed(toShape: x[0].shape) : nil,
                needs(1) ? (g * x[0]).summed(toShape: x[1].shape) : nil]
    case .div:
        return [needs(0) ? (g / x[1]).summed(toShape: x[0].shape) : nil,
                needs(1) ? (-(g * output) / x[1]).summed(toShape: x[1].shape) : nil]
    case .affine(let scale, _):
        return [scale == 1 ? g : g * scale]

    case let .matmul(transposeA, transposeB, batch, bShared):
        let (da, db) = matmulBackward(x[0], x[1], g, transposeA: transposeA, transposeB: transposeB,
                                      batch: batch, bShared: bShared, needA: needs(0), needB: needs(1))
        return [da, db]
    case .linear:
        let rows = x[0].rowCount, inF = x[1].shape[1], outF = x[1].shape[0]
        let dx = needs(0) ? Tensor.uninitialized(x[0].shape) : nil
        if let dx { matmulForward(dx.pointer, g.pointer, x[1].pointer, M: rows, N: inF, K: outF) }
        let dw = needs(1) ? Tensor.uninitialized(x[1].shape) : nil
        if let dw { matmulForward(dw.pointer, g.pointer, x[0].pointer, M: outF, N: inF, K: rows, transposeA: true) }
        let db = x.count > 2 ? accumulated(2) { sumRowsAccumulate($0, g.pointer, rows: rows, cols: outF) } : nil
        return x.count > 2 ? [dx, dw, db] : [dx, dw]

    case .sumLastAxis(let scale):
        return [accumulated(0) { sumLastAxisBackward($0, g.pointer, rows: x[0].rowCount, cols: x[0].lastDim, scale: scale) }]
    case .maxLastAxis(let argmax):
        return [accumulated(0) { d in
            for r in argmax.indices { d[r * x[0].lastDim + Int(argmax[r])] += g.pointer[r] }
        }]

    case .reshape:
        return [g.reshaped(x[0].shape)]
    case .rows(let start):
        let inner = x[0].shape.dropFirst().reduce(1, *)
        return [accumulated(0) { ($0 + start * inner).update(from: g.pointer, count: g.count) }]
    case .permute(let order):
        var inverse = order
        for (i, o) in order.enumerated() { inverse[o] = i }
        return [g.permuted(inverse)]
    case .concatLastAxis:
        var start = 0
        return x.map { piece in
            defer { start += piece.lastDim }
            return piece.requiresGrad ? g.sliceLastAxis(start: start, width: piece.lastDim) : nil
        }
    case .sliceLastAxis(let start):
        return [accumulated(0) {
            sliceLastAxisCopy(g.pointer, $0, rows: g.rowCount, total: x[0].lastDim, start: start, width: g.lastDim, scatterAdd: true)
        }]

    case .softmax:
        return [accumulated(0) { softmaxBackward($0, g.pointer, output.pointer, rows: g.rowCount, cols: g.lastDim) }]
    case .logSoftmax:
        return [accumulated(0) { logSoftmaxBackward($0, g.pointer, output.pointer, rows: g.rowCount, cols: g.lastDim) }]
    case let .layerNorm(mean, rstd, hasWeight, hasBias):
        let w = hasWeight ? x[1] : nil, bIndex = hasWeight ? 2 : 1
        let dx = needs(0) ? Tensor.zeros(x[0].shape) : nil
        let dw = hasWeight && needs(1) ? Tensor.zeros(x[1].shape) : nil
        let db = hasBias && needs(bIndex) ? Tensor.zeros(x[bIndex].shape) : nil
        layerNormBackward(dx?.pointer, dw?.pointer, db?.pointer, g.pointer, x[0].pointer, w.map { UnsafePointer($0.pointer) },
                          mean, rstd, rows: g.rowCount, C: g.lastDim)
        return [dx] + (hasWeight ? [dw] : []) + (hasBias ? [db] : [])
    case let .rmsNorm(rstd, hasWeight):
        let dx = needs(0) ? Tensor.zeros(x[0].shape) : nil
        let dw = hasWeight && needs(1) ? Tensor.zeros(x[1].shape) : nil
        rmsNormBackward(dx?.pointer, dw?.pointer, g.pointer, x[0].pointer, hasWeight ? UnsafePointer(x[1].pointer) : nil,
                        rstd, rows: g.rowCount, C: g.lastDim)
        return hasWeight ? [dx, dw] : [dx]

    case .activation(let f):
        return [accumulated(0) { activationBackward(f, $0, g.pointer, x[0].pointer, count: g.count) }]
    case .swiglu:
        let dgate = needs(0) ? Tensor.zeros(x[0].shape) : nil, dup = needs(1) ? Tensor.zeros(x[1].shape) : nil
        swigluBackward(dgate?.pointer, dup?.pointer, g.pointer, x[0].pointer, x[1].pointer, count: g.count)
        return [dgate, dup]
    case .dropout(let mask):
        return [g * mask]

    case .embedding(let ids):
        return [accumulated(0) { d in
            ids.withUnsafeBufferPointer { embeddingBackward(d, g.pointer, $0.baseAddress!, N: ids.count, C: x[0].shape[1]) }
        }]
    case let .crossEntropy(labels, lse):
        return [accumulated(0) { d in
            labels.withUnsafeBufferPointer {
                crossEntropyBackward(d, x[0].pointer, lse, $0.baseAddress!, dloss: g.item, N: x[0].rowCount, V: x[0].lastDim)
            }
        }]

    case .custom(let rule):
        return rule.backward(g, x, output)
    }
}
