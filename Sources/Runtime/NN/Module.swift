/// Base class of every layer: a tree of named children and named parameters, addressed with
/// Hugging Face's dotted names (`model.layers.0.self_attn.q_proj.weight`).
///
/// Children and parameters live in small ordered slot tables instead of being discovered by
/// reflection, which makes substitution trivial: `replace(path:with:)` swaps a child, and a
/// model that reads its layers through the table (`child("q_proj", as: (any LinearLayer).self)`)
/// sees the substitute on the next forward. That is how LoRA swaps a `Linear` for a
/// `LoRALinear` and QLoRA for an NF4 linear. Subclasses register in their initializer:
///
///     final class MLP: Module {
///         var up: any LinearLayer { child("up_proj") }
///         init(_ c: Int, _ h: Int, generator: inout SeededGenerator) {
///             super.init()
///             setChild("up_proj", Linear(c, h, generator: &generator))
///         }
///     }
///
/// A module tree is mutable reference state and not Sendable: confine it to one thread or actor.
open class Module {
    private var parameterSlots: [(name: String, tensor: Tensor)] = []
    private var childSlots: [(name: String, module: Module)] = []
    /// Training mode (dropout active). Off by default, as after HF's from_pretrained: a trainer
    /// calls `train()` on the whole tree once its modules (adapters included) are in place.
    public private(set) var isTraining = false

    public init() {}

    /// Whether this module's own parameters are exempt from weight decay (norms say yes; biases
    /// are exempt everywhere, see `noWeightDecayNames`).
    open var exemptFromWeightDecay: Bool { false }

    // MARK: Own slots

    /// Adds, replaces (same name) or, with nil, removes a parameter of this module.
    public func setParameter(_ name: String, _ tensor: Tensor?) {
        precondition(!name.contains("."), "setParameter: '\(name)' must be a local name; use setParameter(path:) for dotted paths")
        if let i = parameterSlots.firstIndex(where: { $0.name == name }) {
            if let tensor { parameterSlots[i].tensor = tensor } else { parameterSlots.remove(at: i) }
        } else if let tensor {
            parameterSlots.append((name, tensor))
        }
    }

    /// This module's parameter `name`, or nil.
    public func parameter(_ name: String) -> Tensor? {
        parameterSlots.first { $0.name == name }?.tensor
    }

    /// Adds, replaces (same name) or, with nil, removes a child module.
    public func setChild(_ name: String, _ module: Module?) {
        precondition(!name.contains("."), "setChild: '\(name)' must be a local name; use replace(path:with:) for dotted paths")
        if let i = childSlots.firstIndex(where: { $0.name == name }) {
            if let module { childSlots[i].module = module } else { childSlots.remove(at: i) }
        } else if let module {
            childSlots.append((name, module))
        }
    }

    /// The child `name` as type `M` (a class or a protocol such as `any LinearLayer`).
    public func child<M>(_ name: String, as type: M.Type = M.self) -> M {
        guard let m = childSlots.first(where: { $0.name == name })?.module else {
            preconditionFailure("\(Swift.type(of: self)) has no child '\(name)' (children: \(childSlots.map(\.name)))")
        }
        guard let typed = m as? M else {
            preconditionFailure("child '\(name)' is a \(Swift.type(of: m)), not \(M.self)")
        }
        return typed
    }

    /// Direct children in registration order.
    public var children: [(name: String, module: Module)] { childSlots }

    /// This module's own parameters in registration order.
    public var localParameters: [(name: String, tensor: Tensor)] { parameterSlots }

    // MARK: The tree

    /// Every parameter of the tree with its dotted name, depth-first in registration order.
    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var out = parameterSlots.map { (prefix + $0.name, $0.tensor) }
        for (name, m) in childSlots { out += m.namedParameters(prefix: prefix + name + ".") }
        return out
    }

    /// Every module of the tree with its dotted path ("" for this one).
    public func namedModules(prefix: String = "") -> [(path: String, module: Module)] {
        var out = [(prefix.isEmpty ? "" : String(prefix.dropLast()), self)]
        for (name, m) in childSlots { out += m.namedModules(prefix: prefix + name + ".") }
        return out
    }

    /// Parameters that receive gradients (`requiresGrad`), with their dotted names.
    public func trainableParameters() -> [(name: String, tensor: Tensor)] {
        namedParameters().filter { $0.tensor.requiresGrad }
    }

    /// Total number of parameter values (all, or only trainable ones).
    public func parameterCount(trainableOnly: Bool = false) -> Int {
        namedParameters().filter { !trainableOnly || $0.tensor.requiresGrad }.reduce(0) { $0 + $1.tensor.count }
    }

    /// The module at a dotted path ("" is this module), or nil.
    public func module(at path: String) -> Module? {
        if path.isEmpty { return self }
        var m: Module = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = m.childSlots.first(where: { $0.name == part })?.module else { return nil }
            m = next
        }
        return m
    }

    /// The parameter at a dotted path, or nil.
    public func parameter(at path: String) -> Tensor? {
        let (owner, name) = splitPath(path)
        return module(at: owner)?.parameter(name)
    }

    /// Swaps the module at `path` for `replacement` (module substitution: LoRA, quantized linears).
    public func replace(path: String, with replacement: Module) throws {
        let (owner, name) = splitPath(path)
        guard let parent = module(at: owner), parent.childSlots.contains(where: { $0.name == name }) else {
            throw ModuleError.noSuchModule(path)
        }
        parent.setChild(name, replacement)
    }

    /// Calls `transform(path, module)` for every module below this one (parents first) and
    /// substitutes the ones it answers non-nil for; returns the replaced paths.
    @discardableResult
    public func replaceModules(_ transform: (String, Module) throws -> Module?) rethrows -> [String] {
        var replaced: [String] = []
        for (path, m) in namedModules() where !path.isEmpty {
            // The old subtree of a replaced module is no longer part of the tree.
            if replaced.contains(where: { path.hasPrefix($0 + ".") }) { continue }
            if let r = try transform(path, m) {
                try? replace(path: path, with: r)  // path came from namedModules, so it exists
                replaced.append(path)
            }
        }
        return replaced
    }

    /// Sets (adds or replaces) the parameter at a dotted path whose owner module exists.
    public func setParameter(path: String, _ tensor: Tensor) throws {
        let (owner, name) = splitPath(path)
        guard let m = module(at: owner) else { throw ModuleError.noSuchModule(owner) }
        m.setParameter(name, tensor)
    }

    // MARK: Freezing and modes

    /// Sets `requiresGrad` of every parameter whose dotted name satisfies `predicate`.
    public func setTrainable(_ trainable: Bool, where predicate: (String) -> Bool) {
        for (name, t) in namedParameters() where predicate(name) { t.requiresGrad = trainable }
    }

    /// Freezes parameters whose dotted name matches the glob (`*` any run, `?` one character);
    /// freeze("*") freezes everything. Returns how many matched.
    @discardableResult
    public func freeze(matching pattern: String = "*") -> Int {
        var n = 0
        setTrainable(false) { let m = globMatches(pattern, $0); if m { n += 1 }; return m }
        return n
    }

    /// Unfreezes parameters whose dotted name matches the glob. Returns how many matched.
    @discardableResult
    public func unfreeze(matching pattern: String = "*") -> Int {
        var n = 0
        setTrainable(true) { let m = globMatches(pattern, $0); if m { n += 1 }; return m }
        return n
    }

    /// Training (true) or evaluation (false) mode for the whole tree.
    public func train(_ on: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = on }
    }

    /// Names of parameters HF's Trainer does not decay: biases and the weights of norm layers.
    public func noWeightDecayNames() -> Set<String> {
        var out = Set<String>()
        for (path, m) in namedModules() {
            let prefix = path.isEmpty ? "" : path + "."
            for (name, _) in m.parameterSlots where m.exemptFromWeightDecay || name.hasSuffix("bias") {
                out.insert(prefix + name)
            }
        }
        return out
    }

    private func splitPath(_ path: String) -> (owner: String, name: String) {
        guard let dot = path.lastIndex(of: ".") else { return ("", path) }
        return (String(path[..<dot]), String(path[path.index(after: dot)...]))
    }
}

/// Errors of addressing modules and parameters by dotted name (names come from user configs
/// and checkpoints).
public enum ModuleError: Error, Equatable, CustomStringConvertible {
    case noSuchModule(String)
    case missingParameters([String])
    case unexpectedParameters([String])
    case shapeMismatch(name: String, expected: [Int], got: [Int])

    public var description: String {
        switch self {
        case .noSuchModule(let p): return "no module at '\(p)'"
        case .missingParameters(let n): return "checkpoint lacks \(n.count) parameter(s): \(n.prefix(5).joined(separator: ", "))"
        case .unexpectedParameters(let n): return "checkpoint has \(n.count) unknown parameter(s): \(n.prefix(5).joined(separator: ", "))"
        case let .shapeMismatch(name, e, g): return "parameter '\(name)': expected shape \(e), checkpoint has \(g)"
        }
    }
}

/// Glob match over a whole string: `*` matches any run (dots included), `?` one character.
public func globMatches(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern.utf8), t = Array(text.utf8)
    var pi = 0, ti = 0, star = -1, mark = 0
    while ti < t.count {
        if pi < p.count && (p[pi] == UInt8(ascii: "?") || p[pi] == t[ti]) { pi += 1; ti += 1 }
        else if pi < p.count && p[pi] == UInt8(ascii: "*") { star = pi; mark = ti; pi += 1 }
        else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
        else { return false }
    }
    while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
    return pi == p.count
}
