/// Reductions over the last axis (the axis is removed), and over everything.
extension Tensor {
    /// Sum over the last axis: [..., n] -> [...].
    public func sumLastAxis() -> Tensor { reduceLast(scale: 1) }

    /// Mean over the last axis: [..., n] -> [...].
    public func meanLastAxis() -> Tensor { reduceLast(scale: 1 / Float(lastDim)) }

    /// Sum of all values as a scalar (shape []).
    public func sum() -> Tensor { reshaped([count]).sumLastAxis() }

    /// Mean of all values as a scalar (shape []).
    public func mean() -> Tensor { reshaped([count]).meanLastAxis() }

    /// Maximum over the last axis: [..., n] -> [...]; the gradient goes to the first maximum.
    public func maxLastAxis() -> Tensor {
        precondition(rank >= 1, "maxLastAxis: scalar has no last axis")
        let out = Tensor.uninitialized(Array(shape.dropLast()))
        var argmax = [Int32](repeating: 0, count: rowCount)
        maxLastAxisForward(out.pointer, &argmax, pointer, rows: rowCount, cols: lastDim)
        return Tensor.result(out, .maxLastAxis(argmax: argmax), [self])
    }

    private func reduceLast(scale: Float) -> Tensor {
        precondition(rank >= 1, "reduce: scalar has no last axis")
        let out = Tensor.uninitialized(Array(shape.dropLast()))
        sumLastAxisForward(out.pointer, pointer, rows: rowCount, cols: lastDim, scale: scale)
        return Tensor.result(out, .sumLastAxis(scale: scale), [self])
    }

    /// Softmax over the last axis.
    public func softmax() -> Tensor {
        let out = Tensor.uninitialized(shape)
        softmaxForward(out.pointer, pointer, rows: rowCount, cols: lastDim)
        return Tensor.result(out, .softmax, [self])
    }

    /// Log-softmax over the last axis.
    public func logSoftmax() -> Tensor {
        let out = Tensor.uninitialized(shape)
        logSoftmaxForward(out.pointer, pointer, rows: rowCount, cols: lastDim)
        return Tensor.result(out, .logSoftmax, [self])
    }
}
