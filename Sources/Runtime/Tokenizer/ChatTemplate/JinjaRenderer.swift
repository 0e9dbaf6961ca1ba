/// Budgets that stop a runaway template (huge loops, deep macro recursion) with an error instead of a hang.
public struct JinjaLimits: Sendable {
    /// Statements and expression nodes evaluated in one render.
    public var maxSteps: Int = 20_000_000
    /// UTF-8 bytes of output in one render.
    public var maxOutputBytes: Int = 64 << 20
    /// Nested macro calls.
    public var maxCallDepth: Int = 100
    /// Nesting of lists, dicts and namespaces a template builds: printing, comparing and freeing values
    /// recurse, so a template that wraps a list in itself 100000 times must stop, not overflow the stack.
    public var maxNesting: Int = 100
    public init() {}
}

/// A variable scope. Jinja gives every for-loop iteration and every macro call its own scope over the
/// scope it was written in; `if` blocks share their parent's.
final class JinjaScope {
    var variables: [String: JinjaValue] = [:]
    var macros: [String: JinjaMacro] = [:]
    /// The `loop` of a for-loop iteration, kept unmaterialized: most templates read one or two fields.
    var loop: JinjaLoopState?
    let parent: JinjaScope?
    init(parent: JinjaScope?) { self.parent = parent }

    func lookup(_ name: String) -> JinjaValue? {
        var s: JinjaScope? = self
        while let scope = s {
            if let v = scope.variables[name] { return v }
            if name == "loop", let loop = scope.loop { return loop.object }
            s = scope.parent
        }
        return nil
    }

    /// The innermost loop state if `loop` is not shadowed by a variable.
    func loopState() -> JinjaLoopState? {
        var s: JinjaScope? = self
        while let scope = s {
            if scope.variables["loop"] != nil { return nil }
            if let loop = scope.loop { return loop }
            s = scope.parent
        }
        return nil
    }

    func macro(_ name: String) -> (JinjaMacro, JinjaScope)? {
        var s: JinjaScope? = self
        while let scope = s {
            if scope.variables[name] != nil { return nil }  // a variable shadows an outer macro
            if let m = scope.macros[name] { return (m, scope) }
            s = scope.parent
        }
        return nil
    }
}

/// Walks the syntax tree for one render call. Not shared between threads: `ChatTemplate.render`
/// makes a new one each time.
final class JinjaRenderer {
    let limits: JinjaLimits
    var scope: JinjaScope
    private var output = ""
    private var outputBytes = 0
    /// `{% generation %}` tracking (transformers' assistant masks): spans in Unicode scalars of the output.
    var tracksGeneration = false
    private(set) var generationSpans: [Range<Int>] = []
    private var outputScalars = 0  // scalars in the current buffer, counted only when tracking
    private var captureBase = 0    // where the current capture buffer would start in the final output
    private var steps = 0
    private var callDepth = 0

    enum Flow { case normal, breakLoop, continueLoop }

    init(context: [String: JinjaValue], limits: JinjaLimits) {
        self.limits = limits
        scope = JinjaScope(parent: nil)
        scope.variables = context
    }

    func render(_ nodes: [JinjaNode]) throws -> String {
        _ = try execute(nodes)
        return output
    }

    func step() throws {
        steps += 1
        if steps > limits.maxSteps {
            throw ChatTemplateError.limitExceeded(message: "more than \(limits.maxSteps) evaluation steps (runaway loop?)")
        }
    }

    private func emit(_ s: String) throws {
        outputBytes += s.utf8.count
        if outputBytes > limits.maxOutputBytes {
            throw ChatTemplateError.limitExceeded(message: "output exceeds \(limits.maxOutputBytes) bytes")
        }
        output += s
        if tracksGeneration { outputScalars += s.unicodeScalars.count }
    }

    /// Renders `body` into a separate buffer (for `{% set x %}...{% endset %}` and macro calls).
    private func capture(_ body: () throws -> Void) rethrows -> String {
        let (saved, savedScalars, savedBase) = (output, outputScalars, captureBase)
        captureBase += outputScalars
        output = ""
        outputScalars = 0
        defer { (output, outputScalars, captureBase) = (saved, savedScalars, savedBase) }
        try body()
        return output
    }

    func execute(_ nodes: [JinjaNode]) throws -> Flow {
        for node in nodes {
            try step()
            switch node {
            case .text(let s): try emit(s)
            case .output(let e): try emit(try evaluate(e).pythonStr)
            case .ifChain(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try evaluate(condition).truthy {
                    taken = true
                    let flow = try execute(body)
                    if flow != .normal { return flow }
                    break
                }
                if !taken {
                    let flow = try execute(otherwise)
                    if flow != .normal { return flow }
                }
            case .forLoop(let targets, let iterable, let condition, let body, let otherwise, let at):
                try runFor(targets, iterable, condition, body, otherwise, at)
            case .set(let target, let valueExpr, let at):
                try assign(target, try evaluate(valueExpr), at)
            case .setBlock(let name, let body):
                let text = try capture { _ = try execute(body) }
                scope.variables[name] = .string(text)
            case .macro(let m):
                scope.macros[m.name] = m
                scope.variables[m.name] = nil
            case .breakLoop: return .breakLoop
            case .continueLoop: return .continueLoop
            case .group(let body):
                let start = captureBase + outputScalars
                let flow = try execute(body)
                if tracksGeneration { generationSpans.append(start..<(captureBase + outputScalars)) }
                if flow != .normal { return flow }
            }
        }
        return .normal
    }

    private func assign(_ target: JinjaAssignTarget, _ value: JinjaValue, _ at: TemplatePosition) throws {
        switch target {
        case .name(let n):
            scope.variables[n] = value
            scope.macros[n] = nil
        case .names(let names):
            let items = try unpack(value, count: names.count, at)
            for (n, v) in zip(names, items) { scope.variables[n] = v }
        case .attribute(let object, let attribute):
            guard case .namespace(let ns)? = scope.lookup(object) else {
                throw ChatTemplateError.render(message: "cannot assign attribute '\(attribute)' on '\(object)': it is not a namespace()", at: at)
            }
            if attribute.hasPrefix("_") {
                throw ChatTemplateError.render(message: "namespace attributes cannot start with '_' ('\(attribute)')", at: at)
            }
            ns.attributes[attribute] = value
            try checkNesting(.namespace(ns), at)  // also catches a namespace stored inside itself
        }
    }

    /// Throws if `value` nests deeper than `limits.maxNesting` (visiting containers costs steps).
    func checkNesting(_ value: JinjaValue, _ at: TemplatePosition) throws {
        func walk(_ v: JinjaValue, _ depth: Int) throws {
            let children: [JinjaValue]
            switch v {
            case .array(let a): children = a
            case .object(let o): children = o.pairs.map(\.1)
            case .namespace(let ns): children = ns.attributes.pairs.map(\.1)
            default: return
            }
            if depth > limits.maxNesting {
                throw ChatTemplateError.limitExceeded(message: "values nested more than \(limits.maxNesting) deep (at \(at))")
            }
            for child in children {
                switch child {
                case .array, .object, .namespace: try step(); try walk(child, depth + 1)
                default: continue
                }
            }
        }
        try walk(value, 1)
    }

    private func unpack(_ value: JinjaValue, count: Int, _ at: TemplatePosition) throws -> [JinjaValue] {
        let items = try iterate(value, at)
        guard items.count == count else {
            throw ChatTemplateError.render(message: "cannot unpack \(items.count) values into \(count) names", at: at)
        }
        return items
    }

    /// The elements `for` walks: list items, dict keys, string characters; Undefined is empty.
    func iterate(_ value: JinjaValue, _ at: TemplatePosition) throws -> [JinjaValue] {
        switch value {
        case .array(let a): return a
        case .object(let o): return o.keys.map { .string($0) }
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw ChatTemplateError.render(message: "'\(value.typeName)' object is not iterable", at: at)
        }
    }

    private func runFor(_ targets: [String], _ iterableExpr: JinjaExpr, _ condition: JinjaExpr?, _ body: [JinjaNode],
                        _ otherwise: [JinjaNode], _ at: TemplatePosition) throws
    {
        var items = try iterate(try evaluate(iterableExpr), iterableExpr.at)
        let outer = scope
        defer { scope = outer }
        func bind(_ item: JinjaValue, in s: JinjaScope) throws {
            if targets.count == 1 { s.variables[targets[0]] = item; return }
            for (n, v) in zip(targets, try unpack(item, count: targets.count, at)) { s.variables[n] = v }
        }
        if let condition {
            var kept: [JinjaValue] = []
            for item in items {
                try step()
                scope = JinjaScope(parent: outer)
                try bind(item, in: scope)
                if try evaluate(condition).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            scope = outer
            _ = try execute(otherwise)
            return
        }
        for (index, item) in items.enumerated() {
            try step()
            scope = JinjaScope(parent: outer)
            try bind(item, in: scope)
            scope.loop = JinjaLoopState(items: items, index0: index)
            if try execute(body) == .breakLoop { break }
        }
    }

    /// Calls a `{% macro %}` with Python-style positional and keyword arguments.
    func callMacro(_ macro: JinjaMacro, definedIn home: JinjaScope, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)],
                   _ at: TemplatePosition) throws -> JinjaValue
    {
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > limits.maxCallDepth {
            throw ChatTemplateError.limitExceeded(message: "macro calls nested more than \(limits.maxCallDepth) deep (runaway recursion?)")
        }
        if args.count > macro.parameters.count {
            throw ChatTemplateError.render(message: "macro '\(macro.name)' takes \(macro.parameters.count) arguments, got \(args.count)", at: at)
        }
        let saved = scope
        defer { scope = saved }
        let local = JinjaScope(parent: home)
        scope = local
        for (k, (name, defaultExpr)) in macro.parameters.enumerated() {
            if k < args.count { local.variables[name] = args[k] }
            else if let v = kwargs.first(where: { $0.0 == name })?.1 { local.variables[name] = v }
            else if let defaultExpr { local.variables[name] = try evaluate(defaultExpr) }
            else { local.variables[name] = .undefined(name) }
        }
        for (name, _) in kwargs where !macro.parameters.contains(where: { $0.0 == name }) {
            throw ChatTemplateError.render(message: "macro '\(macro.name)' has no parameter '\(name)'", at: at)
        }
        let text = try capture { _ = try execute(macro.body) }
        return .string(text)
    }
}

/// Jinja's `loop` variable for one iteration.
struct JinjaLoopState {
    let items: [JinjaValue]
    let index0: Int

    func field(_ name: String) -> JinjaValue? {
        let n = items.count
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(n - index0)
        case "revindex0": return .int(n - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == n - 1)
        case "length": return .int(n)
        case "previtem": return index0 > 0 ? items[index0 - 1] : .undefined(reason: "'loop.previtem' is undefined")
        case "nextitem": return index0 + 1 < n ? items[index0 + 1] : .undefined(reason: "'loop.nextitem' is undefined")
        case "depth": return .int(1)
        case "depth0": return .int(0)
        default: return nil
        }
    }

    static let fieldNames = ["index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem", "nextitem",
                             "depth", "depth0"]

    /// The whole `loop` as a dict, for the rare template that passes it around.
    var object: JinjaValue { .object(JinjaObject(JinjaLoopState.fieldNames.map { ($0, field($0)!) })) }
}
