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
                        pending[key] = pending[key].map { $0 + grad } ?? grad
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
