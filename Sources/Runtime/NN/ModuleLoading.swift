extension Module {
    /// Installs `tensors` (dotted names, e.g. from a checkpoint) as this tree's parameters. Each
    /// tensor replaces the parameter object (so memory-mapped weights are used without a copy) and
    /// keeps the old one's `requiresGrad`. With `strict`, every parameter must be given and no
    /// unknown name may appear; shapes must always match. Returns the names not found in the tree
    /// (empty when strict).
    @discardableResult
    public func loadParameters(_ tensors: [String: Tensor], strict: Bool = true) throws -> [String] {
        let current = namedParameters()
        let known = Set(current.map(\.name))
        let unexpected = tensors.keys.filter { !known.contains($0) }.sorted()
        let missing = current.map(\.name).filter { tensors[$0] == nil }
        if strict && !missing.isEmpty { throw ModuleError.missingParameters(missing) }
        if strict && !unexpected.isEmpty { throw ModuleError.unexpectedParameters(unexpected) }
        for (name, old) in current {
            guard let new = tensors[name] else { continue }
            guard new.shape == old.shape else { throw ModuleError.shapeMismatch(name: name, expected: old.shape, got: new.shape) }
        }
        for (name, old) in current {
            guard let new = tensors[name] else { continue }
            new.requiresGrad = old.requiresGrad
            try setParameter(path: name, new)
        }
        return unexpected
    }

    /// Replaces every trainable parameter backed by read-only (memory-mapped) storage with an
    /// owned copy, so an optimizer can update it in place (full fine-tuning of loaded weights).
    /// Frozen parameters stay mapped. Returns the names copied.
    @discardableResult
    public func makeTrainableParametersWritable() -> [String] {
        var copied: [String] = []
        for (name, t) in trainableParameters() where t.storage.isReadOnly {
            let owned = t.copy()
            owned.requiresGrad = true
            try? setParameter(path: name, owned)  // the name came from this tree
            copied.append(name)
        }
        return copied
    }
}
