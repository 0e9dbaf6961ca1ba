extension Tensor {
    /// Differentiates this scalar (e.g. a loss) with respect to every leaf that requires a
    /// gradient and returns those gradients. The graph is not kept alive by the result.
    public func backward() -> Gradients {
        precondition(count == 1, "backward(): needs a one-value tensor, got shape \(shape); pass a gradient instead")
        return backward(gradient: Tensor.full(1, shape))
    }

    /// Back-propagates `gradient` (same shape as this tensor) through the recorded graph.
    public func backward(gradient: Tensor) -> Gradients {
        precondition(gradient.shape == shape, "backward(gradient:): gradient shape \(gradient.shape) != tensor shape \(shape)")
        var result = Gradients()
        guard requiresGrad else { return result }
        guard node != nil else {
            result[self] = gradient
            return result
        }
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): gradient]
        withNoGrad {
            for t in order.reversed() {
                guard let node = t.node, let g = pending.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                let inputGrads = backwardRule(node.op, inputs: node.inputs, output: t, gradOutput: g)
                precondition(inputGrads.count == node.inputs.count, "backward: rule for \(node.op) returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
                for (input, grad) in zip(node.inputs, inputGrads) {
                    guard input.requiresGrad, let grad else { continue }
                    precondition(grad.shape == input.shape, "backward: rule for \(node.op) gave gradient \(grad.shape) for input \(input.shape)")
                    if input.node == nil {
                        result.accumulate(grad, for: input)
                    } else {
                        let key = ObjectIdentifier(input)
                        if var sum = pending.removeValue(forKey: key) {
                            pending[key] = Tensor.addInPlaceIfUnshared(&sum, grad) ? sum : sum + grad
                        } else {
                            pending[key] = grad
                        }
                    }
                }
            }
        }
        return result
    }

    /// Recorded tensors reachable from this one, each after all of its inputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            guard t.node != nil, visited.insert(ObjectIdentifier(t)).inserted else { continue }
            stack.append((t, true))
            for input in t.node!.inputs where input.requiresGrad && input.node != nil {
                stack.append((input, false))
            }
        }
        return order
    }
}

extension Tensor {
    /// Adds `other` into this tensor's own values when no one else can see them (this object and
    /// its storage referenced only by the caller's variable, the storage writable): gradients of
    /// a tensor used by several ops are summed without a new buffer per use. False otherwise.
    fileprivate static func addInPlaceIfUnshared(_ sum: inout Tensor, _ other: Tensor) -> Bool {
        guard isKnownUniquelyReferenced(&sum), isKnownUniquelyReferenced(&sum.storage), !sum.storage.isReadOnly,
              sum.shape == other.shape, sum.offset == 0, sum.count == sum.storage.count else { return false }
        vectorAxpy(sum.pointer, 1, other.pointer, sum.count)
        return true
    }
}
