/// Shape ops: reshape and leading-axis slices are views; permutes, concatenation and slices of
/// the last axis copy.
extension Tensor {
    /// The same values with another shape (a view). One axis may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshaped: cannot infer -1 in \(newShape) for shape \(shape)")
            target[hole] = count / known
        }
        precondition(target.reduce(1, *) == count, "reshaped: \(newShape) does not hold the \(count) values of shape \(shape)")
        let view = Tensor(shape: target, storage: storage, offset: offset)
        return Tensor.result(view, .reshape, [self])
    }

    /// Entries start..<end along the leading axis (a view).
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "rows: range \(range) outside leading axis of shape \(shape)")
        let inner = shape.dropFirst().reduce(1, *)
        let view = Tensor(shape: [range.count] + shape.dropFirst(), storage: storage, offset: offset + range.lowerBound * inner)
        return Tensor.result(view, .rows(start: range.lowerBound), [self])
    }

    /// Axes reordered: result.shape[i] = shape[order[i]] (a copy).
    public func permuted(_ order: [Int]) -> Tensor {
        let out = Tensor.uninitialized(order.map { shape[$0] })
        permuteForward(out.pointer, pointer, shape: shape, perm: order)
        return Tensor.result(out, .permute(order), [self])
    }

    /// The last two axes swapped (a copy).
    public func transposedLastTwo() -> Tensor {
        precondition(rank >= 2, "transposedLastTwo: needs rank >= 2, got \(shape)")
        var order = Array(0..<rank)
        order.swapAt(rank - 1, rank - 2)
        return permuted(order)
    }

    /// Columns start..<start+width of the last axis (a copy).
    public func sliceLastAxis(start: Int, width: Int) -> Tensor {
        precondition(start >= 0 && width >= 0 && start + width <= lastDim,
                     "sliceLastAxis: \(start)..<\(start + width) outside last axis of \(shape)")
        let out = Tensor.uninitialized(Array(shape.dropLast()) + [width])
        sliceLastAxisCopy(out.pointer, pointer, rows: rowCount, total: lastDim, start: start, width: width)
        return Tensor.result(out, .sliceLastAxis(start: start), [self])
    }

    /// Splits the last axis into pieces of the given widths (which must add up to it).
    public func split(lastAxis widths: [Int]) -> [Tensor] {
        precondition(widths.reduce(0, +) == lastDim, "split: widths \(widths) do not add up to last axis of \(shape)")
        var start = 0
        return widths.map { w in
            defer { start += w }
            return sliceLastAxis(start: start, width: w)
        }
    }
}

/// Joins tensors along the last axis; all other axes must agree.
public func concat(lastAxis pieces: [Tensor]) -> Tensor {
    precondition(!pieces.isEmpty, "concat: no tensors")
    let lead = Array(pieces[0].shape.dropLast())
    for p in pieces { precondition(Array(p.shape.dropLast()) == lead, "concat: shapes \(pieces.map(\.shape)) differ before the last axis") }
    let widths = pieces.map(\.lastDim)
    let out = Tensor.uninitialized(lead + [widths.reduce(0, +)])
    concatLastAxisForward(out.pointer, pieces.map { UnsafePointer($0.pointer) }, widths: widths, rows: lead.reduce(1, *))
    return Tensor.result(out, .concatLastAxis, pieces)
}

/// Joins tensors along `axis` (negative counts from the end); all other axes must agree.
/// Composed from reshape views and the last-axis concat, so its gradient comes for free.
public func concat(_ pieces: [Tensor], axis: Int) -> Tensor {
    precondition(!pieces.isEmpty, "concat: no tensors")
    let rank = pieces[0].rank, a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "concat: axis \(axis) out of range for rank \(rank)")
    for p in pieces {
        precondition(p.rank == rank && p.shape[..<a] == pieces[0].shape[..<a] && p.shape[(a + 1)...] == pieces[0].shape[(a + 1)...],
                     "concat: shapes \(pieces.map(\.shape)) differ outside axis \(a)")
    }
    let outer = pieces[0].shape[..<a].reduce(1, *)
    let joined = concat(lastAxis: pieces.map { $0.reshaped([outer, $0.count / max(outer, 1)]) })
    var shape = pieces[0].shape
    shape[a] = pieces.reduce(0) { $0 + $1.shape[a] }
    return joined.reshaped(shape)
}

extension Tensor {
    /// Entries `range` along `axis` (negative counts from the end). A view for the leading axis,
    /// a copy otherwise; differentiable either way.
    public func narrow(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank && range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "narrow: range \(range) on axis \(axis) outside shape \(shape)")
        if a == 0 { return rows(range) }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var out = shape
        out[a] = range.count
        return reshaped([outer, shape[a] * inner]).sliceLastAxis(start: range.lowerBound * inner, width: range.count * inner).reshaped(out)
    }

    /// Index of the largest value of each row of the last axis (first on ties); not differentiable.
    public func argmaxLastAxis() -> [Int] {
        precondition(rank >= 1 && lastDim > 0, "argmaxLastAxis: needs a non-empty last axis, got \(shape)")
        var values = [Float](repeating: 0, count: rowCount), index = [Int32](repeating: 0, count: rowCount)
        maxLastAxisForward(&values, &index, pointer, rows: rowCount, cols: lastDim)
        return index.map(Int.init)
    }
}
