/// NumPy broadcasting for binary ops, planned as one (rows, cols) kernel launch when possible.
///
/// Shapes are right-aligned; each axis must match or be 1. The output is split at an axis k
/// into rows = prod(out[..<k]) and cols = prod(out[k...]); an operand whose padded shape is full,
/// 1 before k and full after (a suffix such as a bias), full before k and 1 after (a per-row
/// value such as [N, 1]), or all ones, maps to an `OperandLayout`. Other combinations (rare)
/// are expanded to the full shape first.
struct BroadcastPlan {
    let outShape: [Int]
    let rows: Int
    let cols: Int
    /// Layouts of a and b; after expansion an operand is simply full.
    let layouts: [OperandLayout]
    /// Operands that must be materialized at the output shape first (the generic fallback).
    let needsExpansion: [Bool]

    init(_ a: [Int], _ b: [Int]) {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        var out = [Int]()
        for i in 0..<rank {
            precondition(pa[i] == pb[i] || pa[i] == 1 || pb[i] == 1, "broadcast: shapes \(a) and \(b) do not broadcast")
            out.append(pa[i] == 1 ? pb[i] : pa[i])
        }
        outShape = out
        let total = out.reduce(1, *)
        for k in 0...rank {
            let cols = out[k...].reduce(1, *)
            if let la = BroadcastPlan.layout(pa, out, k, cols), let lb = BroadcastPlan.layout(pb, out, k, cols) {
                self.rows = cols == 0 ? 0 : total / cols
                self.cols = cols
                layouts = [la, lb]
                needsExpansion = [false, false]
                return
            }
        }
        rows = rank == 0 ? 1 : total / max(out[rank - 1], 1)
        cols = rank == 0 ? 1 : out[rank - 1]
        let ea = pa != out, eb = pb != out
        needsExpansion = [ea, eb]
        layouts = [OperandLayout(rowStride: cols, colStride: 1), OperandLayout(rowStride: cols, colStride: 1)]
    }

    private static func layout(_ s: [Int], _ out: [Int], _ k: Int, _ cols: Int) -> OperandLayout? {
        let head = s[..<k], tail = s[k...]
        let headFull = head.elementsEqual(out[..<k]), headOnes = head.allSatisfy { $0 == 1 }
        let tailFull = tail.elementsEqual(out[k...]), tailOnes = tail.allSatisfy { $0 == 1 }
        if headFull && tailFull { return OperandLayout(rowStride: cols, colStride: 1) }
        if headOnes && tailFull { return OperandLayout(rowStride: 0, colStride: 1) }
        if headFull && tailOnes { return OperandLayout(rowStride: 1, colStride: 0) }
        if headOnes && tailOnes { return OperandLayout(rowStride: 0, colStride: 0) }
        return nil
    }
}

extension Tensor {
    /// This tensor's values repeated to `shape` (broadcasting rules); a copy, not recorded.
    func expandedValues(to shape: [Int]) -> Tensor {
        let out = Tensor.uninitialized(shape)
        let rank = shape.count
        let strides = broadcastStrides(self.shape, rank: rank)
        forEachIndex(shape) { o, index in
            var src = 0
            for i in 0..<rank { src += index[i] * strides[i] }
            out.pointer[o] = pointer[src]
        }
        return out
    }

    /// Sums this tensor (of a broadcast output shape) down to `shape`: the backward of broadcasting.
    func summed(toShape shape: [Int]) -> Tensor {
        if shape == self.shape { return self }
        let plan = BroadcastPlan(self.shape, shape)
        precondition(plan.outShape == self.shape, "summed(toShape:): \(shape) does not broadcast to \(self.shape)")
        let out = Tensor.zeros(shape)
        let layout = plan.layouts[1]
        if !plan.needsExpansion[1] {
            switch (layout.rowStride, layout.colStride) {
            case (0, 1): sumRowsAccumulate(out.pointer, pointer, rows: plan.rows, cols: plan.cols); return out
            case (1, 0): sumLastAxisForward(out.pointer, pointer, rows: plan.rows, cols: plan.cols); return out
            case (0, 0): out.pointer[0] = rowSum(pointer, count); return out
            default: break
            }
        }
        let rank = self.shape.count
        let strides = broadcastStrides(shape, rank: rank)
        forEachIndex(self.shape) { o, index in
            var dst = 0
            for i in 0..<rank { dst += index[i] * strides[i] }
            out.pointer[dst] += pointer[o]
        }
        return out
    }
}

/// Row-major strides of `shape` left-padded to `rank` axes, 0 on axes of size 1 (broadcast).
private func broadcastStrides(_ shape: [Int], rank: Int) -> [Int] {
    let padded = [Int](repeating: 1, count: rank - shape.count) + shape
    var strides = [Int](repeating: 0, count: rank)
    var s = 1
    for i in stride(from: rank - 1, through: 0, by: -1) {
        strides[i] = padded[i] == 1 ? 0 : s
        s *= padded[i]
    }
    return strides
}

/// Calls body(flatIndex, multiIndex) for every element of `shape` in row-major order.
private func forEachIndex(_ shape: [Int], _ body: (Int, [Int]) -> Void) {
    let n = shape.reduce(1, *)
    var index = [Int](repeating: 0, count: shape.count)
    for o in 0..<n {
        body(o, index)
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { break }
            index[axis] = 0
            axis -= 1
        }
    }
}
