import Foundation

/// Expression evaluation with jinja2's default-Undefined rules: a missing name or key is Undefined,
/// which prints as nothing and is falsy, but using it as an object (attribute, index, arithmetic) fails.
extension JinjaRenderer {
    func evaluate(_ e: JinjaExpr) throws -> JinjaValue {
        try step()
        switch e.kind {
        case .literal(let v): return v
        case .name(let n):
            if let v = scope.lookup(n) { return v }
            // Global functions exist as names (`strftime_now is defined` selects Llama 3.2's date branch);
            // as values they are opaque, like a Python function object.
            if JinjaRenderer.globalFunctions.contains(n) || scope.macro(n) != nil { return .string("<function \(n)>") }
            return .undefined(n)
        case .list(let items):
            let list = JinjaValue.array(try items.map(evaluate))
            try checkNesting(list, e.at)
            return list
        case .dict(let pairs):
            var o = JinjaObject()
            for (k, v) in pairs {
                guard case .string(let key) = try evaluate(k) else {
                    throw ChatTemplateError.unsupported(message: "dict keys must be strings", at: k.at)
                }
                o[key] = try evaluate(v)
            }
            try checkNesting(.object(o), e.at)
            return .object(o)
        case .attribute(let base, let name):
            if case .name("loop") = base.kind, let loop = scope.loopState(), let v = loop.field(name) { return v }
            return try attribute(try evaluate(base), name, e.at)
        case .item(let base, let key):
            return try item(try evaluate(base), try evaluate(key), e.at)
        case .slice(let base, let start, let stop, let stepExpr):
            return try slice(try evaluate(base), try start.map(evaluate), try stop.map(evaluate), try stepExpr.map(evaluate), e.at)
        case .call(let callee, let args):
            return try call(callee, args, e.at)
        case .filter(let base, let name, let args):
            return try applyFilter(name, try evaluate(base), try evaluateArguments(args), e.at)
        case .test(let base, let name, let args, let negated):
            let result = try applyTest(name, try evaluate(base), try evaluateArguments(args).positional, e.at)
            return .bool(result != negated)
        case .not(let x): return .bool(!(try evaluate(x).truthy))
        case .negate(let x):
            switch try evaluate(x) {
            case .int(let i): return .int(-i)
            case .bool(let b): return .int(b ? -1 : 0)
            case .double(let d): return .double(-d)
            case let v: throw ChatTemplateError.render(message: "bad operand type for unary -: '\(v.typeName)'", at: e.at)
            }
        case .and(let a, let b):
            let left = try evaluate(a)
            return left.truthy ? try evaluate(b) : left
        case .or(let a, let b):
            let left = try evaluate(a)
            return left.truthy ? left : try evaluate(b)
        case .concat(let parts):
            return .string(try parts.map { try evaluate($0).pythonStr }.joined())
        case .conditional(let value, let condition, let otherwise):
            if try evaluate(condition).truthy { return try evaluate(value) }
            return try otherwise.map(evaluate) ?? .undefined(reason: "the inline if expression evaluated to false and no else section was defined")
        case .binary(let op, let a, let b):
            return try binaryOperation(op, try evaluate(a), try evaluate(b), e.at)
        }
    }

    struct EvaluatedArguments {
        var positional: [JinjaValue]
        var keyword: [(String, JinjaValue)]
        func named(_ name: String, at index: Int) -> JinjaValue? {
            if let kw = keyword.first(where: { $0.0 == name }) { return kw.1 }
            return index < positional.count ? positional[index] : nil
        }
    }

    func evaluateArguments(_ args: JinjaArguments) throws -> EvaluatedArguments {
        EvaluatedArguments(positional: try args.positional.map(evaluate),
                           keyword: try args.keyword.map { ($0.0, try evaluate($0.1)) })
    }

    /// `obj.name`: dict key, namespace attribute; anything else missing is Undefined.
    func attribute(_ base: JinjaValue, _ name: String, _ at: TemplatePosition) throws -> JinjaValue {
        switch base {
        case .undefined(let reason): throw ChatTemplateError.render(message: reason, at: at)
        case .object(let o): return o[name] ?? .undefined(reason: "'dict object' has no attribute '\(name)'")
        case .namespace(let ns): return ns.attributes[name] ?? .undefined(reason: "'Namespace' has no attribute '\(name)'")
        default: return .undefined(reason: "'\(base.typeName) object' has no attribute '\(name)'")
        }
    }

    /// `obj[key]`: Python indexing (negative indexes count from the end); a miss is Undefined.
    func item(_ base: JinjaValue, _ key: JinjaValue, _ at: TemplatePosition) throws -> JinjaValue {
        switch (base, key) {
        case (.undefined(let reason), _): throw ChatTemplateError.render(message: reason, at: at)
        case (.object(let o), .string(let k)): return o[k] ?? .undefined(reason: "'dict object' has no attribute '\(k)'")
        case (.namespace(let ns), .string(let k)): return ns.attributes[k] ?? .undefined(reason: "'Namespace' has no attribute '\(k)'")
        case (.array(let a), _):
            guard let i = key.integer else { break }
            let j = i < 0 ? i + a.count : i
            return a.indices.contains(j) ? a[j] : .undefined(reason: "list object has no element \(i)")
        case (.string(let s), _):
            guard let i = key.integer else { break }
            let scalars = Array(s.unicodeScalars)
            let j = i < 0 ? i + scalars.count : i
            return scalars.indices.contains(j) ? .string(String(scalars[j])) : .undefined(reason: "str object has no element \(i)")
        default: break
        }
        return .undefined(reason: "'\(base.typeName) object' has no attribute \(key.pythonRepr)")
    }

    func slice(_ base: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?, _ at: TemplatePosition) throws -> JinjaValue {
        func bound(_ v: JinjaValue?) throws -> Int? {
            guard let v, !v.isNone else { return nil }
            guard let i = v.integer else { throw ChatTemplateError.render(message: "slice indices must be integers or None", at: at) }
            return i
        }
        let (a, b, c) = (try bound(start), try bound(stop), try bound(step) ?? 1)
        if c == 0 { throw ChatTemplateError.render(message: "slice step cannot be zero", at: at) }
        func indices(_ n: Int) -> [Int] {
            // Python's slice.indices(n).
            func clamp(_ v: Int?, _ def: Int, lo: Int, hi: Int) -> Int {
                guard var v else { return def }
                if v < 0 { v += n }
                return min(max(v, lo), hi)
            }
            if c > 0 {
                let s = clamp(a, 0, lo: 0, hi: n), e = clamp(b, n, lo: 0, hi: n)
                return s < e ? Array(stride(from: s, to: e, by: c)) : []
            }
            let s = clamp(a, n - 1, lo: -1, hi: n - 1), e = clamp(b, -1, lo: -1, hi: n - 1)
            return s > e ? Array(stride(from: s, to: e, by: c)) : []
        }
        switch base {
        case .array(let arr): return .array(indices(arr.count).map { arr[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in indices(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        case .undefined(let reason): throw ChatTemplateError.render(message: reason, at: at)
        default: throw ChatTemplateError.render(message: "'\(base.typeName)' object is not subscriptable", at: at)
        }
    }

    private func call(_ callee: JinjaExpr, _ argExprs: JinjaArguments, _ at: TemplatePosition) throws -> JinjaValue {
        switch callee.kind {
        case .name(let name):
            let args = try evaluateArguments(argExprs)
            if let (m, home) = scope.macro(name) { return try callMacro(m, definedIn: home, args.positional, args.keyword, at) }
            if scope.lookup(name) == nil, let result = try callGlobal(name, args, at) { return result }
            throw ChatTemplateError.render(message: "'\(name)' is not callable", at: at)
        case .attribute(let receiverExpr, let method):
            let receiver = try evaluate(receiverExpr)
            return try callMethod(receiver, method, try evaluateArguments(argExprs), callee.at)
        default:
            throw ChatTemplateError.unsupported(message: "only named functions, macros and methods can be called", at: at)
        }
    }

    static let globalFunctions: Set<String> = ["raise_exception", "namespace", "dict", "range", "strftime_now"]

    /// The globals transformers' environment defines, plus jinja2's `range`, `dict` and `namespace`.
    private func callGlobal(_ name: String, _ args: EvaluatedArguments, _ at: TemplatePosition) throws -> JinjaValue? {
        switch name {
        case "raise_exception":
            throw ChatTemplateError.raised(message: args.positional.first?.pythonStr ?? "")
        case "namespace", "dict":
            var o = JinjaObject()
            if case .object(let initial)? = args.positional.first { o = initial }
            for (k, v) in args.keyword { o[k] = v }
            try checkNesting(.object(o), at)
            if name == "dict" { return .object(o) }
            if let bad = o.keys.first(where: { $0.hasPrefix("_") }) {
                throw ChatTemplateError.render(message: "namespace attributes cannot start with '_' ('\(bad)')", at: at)
            }
            return .namespace(JinjaNamespace(o))
        case "range":
            let ints = try args.positional.map { v -> Int in
                guard let i = v.integer else { throw ChatTemplateError.render(message: "range() arguments must be integers", at: at) }
                return i
            }
            var (lo, hi, by) = (0, 0, 1)
            switch ints.count {
            case 1: hi = ints[0]
            case 2: (lo, hi) = (ints[0], ints[1])
            case 3: (lo, hi, by) = (ints[0], ints[1], ints[2])
            default: throw ChatTemplateError.render(message: "range() takes 1 to 3 arguments", at: at)
            }
            if by == 0 { throw ChatTemplateError.render(message: "range() step must not be zero", at: at) }
            // Count first (in Double: no overflow), so a huge range fails before anything is allocated.
            let count = max(0, ((Double(hi) - Double(lo)) / Double(by)).rounded(.up))
            if count > 100_000 {  // jinja2's sandbox limit
                throw ChatTemplateError.limitExceeded(message: "range() would produce \(count.formatted(.number.grouping(.never))) items (limit 100000)")
            }
            return .array(stride(from: lo, to: hi, by: by).map { .int($0) })
        case "strftime_now":
            guard case .string(let format)? = args.positional.first else {
                throw ChatTemplateError.render(message: "strftime_now(format) needs a format string", at: at)
            }
            return .string(strftimeNow(format))
        default:
            return nil
        }
    }

    private func strftimeNow(_ format: String) -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 256)
        let n = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
