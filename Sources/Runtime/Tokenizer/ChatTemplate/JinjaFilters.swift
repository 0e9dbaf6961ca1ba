/// jinja2's built-in filters that chat templates use, with transformers' `tojson` override.
enum JinjaFilterNames {
    /// Checked at parse time, as jinja2 does, so a typo is a syntax error at its line and column.
    static let known: Set<String> = [
        "trim", "length", "count", "tojson", "upper", "lower", "title", "capitalize", "replace", "join", "default", "d",
        "first", "last", "list", "string", "int", "float", "items", "selectattr", "rejectattr", "select", "reject",
        "map", "reverse", "sort", "unique", "safe", "escape", "e", "abs", "round", "sum", "min", "max", "dictsort",
        "indent", "wordcount", "format", "batch", "center", "truncate", "striptags", "bool",
    ]
    static let knownTests: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "sameas", "equalto", "eq", "==", "ne", "!=", "lt", "<", "le", "<=", "gt", ">",
        "ge", ">=", "in", "divisibleby", "even", "odd", "lower", "upper", "escaped", "filter", "test",
    ]
}

extension JinjaRenderer {
    func applyFilter(_ name: String, _ value: JinjaValue, _ args: EvaluatedArguments, _ at: TemplatePosition) throws -> JinjaValue {
        func fail(_ message: String) -> ChatTemplateError { .render(message: "filter '\(name)': \(message)", at: at) }
        func text(_ v: JinjaValue) -> String { v.pythonStr }
        func requireString(_ key: String, _ index: Int) throws -> String? {
            guard let v = args.named(key, at: index) else { return nil }
            guard case .string(let s) = v else { throw fail("'\(key)' must be a string") }
            return s
        }
        switch name {
        case "trim":
            return .string(pythonStrip(text(value), chars: try requireString("chars", 0), leading: true, trailing: true))
        case "length", "count":
            switch value {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .array(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            case .undefined: return .int(0)
            default: throw fail("object of type '\(value.typeName)' has no len()")
            }
        case "tojson":
            var indent: String? = nil
            switch args.named("indent", at: 0) {
            case .int(let n)?: indent = String(repeating: " ", count: min(max(0, n), 1024))
            case .string(let s)?: indent = s
            case nil, .none?: break
            default: throw fail("indent must be an integer")
            }
            var separators: (String, String)? = nil
            if case .array(let seps)? = args.named("separators", at: 2), seps.count == 2,
               case .string(let item) = seps[0], case .string(let key) = seps[1] { separators = (item, key) }
            let sortKeys = args.named("sort_keys", at: 3)?.truthy ?? false
            do {
                return .string(try value.pythonJSON(indent: indent, separators: separators, sortKeys: sortKeys))
            } catch let e as JSONWriteError {
                if case .undefined(let reason) = value { throw ChatTemplateError.render(message: reason, at: at) }
                throw fail("Object of type \(e.typeName) is not JSON serializable")
            }
        case "upper": return .string(text(value).uppercased())
        case "lower": return .string(text(value).lowercased())
        case "title": return .string(jinjaTitle(text(value)))
        case "capitalize": return .string(pythonCapitalize(text(value)))
        case "replace":
            guard let old = args.named("old", at: 0), let new = args.named("new", at: 1) else { throw fail("needs old and new") }
            let count = args.named("count", at: 2)?.integer
            return .string(pythonReplace(text(value), text(old), text(new), count: count))
        case "join":
            let separator = args.named("d", at: 0).map(text) ?? ""
            let attribute = args.named("attribute", at: 1)
            let items = try iterate(value, at)
            return .string(try items.map { item in
                try text(attribute.map { try self.lookupPath(item, $0, at) } ?? item)
            }.joined(separator: separator))
        case "default", "d":
            let fallback = args.named("default_value", at: 0) ?? .string("")
            let boolean = args.named("boolean", at: 1)?.truthy ?? false
            return (value.isUndefined || (boolean && !value.truthy)) ? fallback : value
        case "first":
            return try iterate(value, at).first ?? .undefined(reason: "No first item, sequence was empty.")
        case "last":
            return try iterate(value, at).last ?? .undefined(reason: "No last item, sequence was empty.")
        case "list": return .array(try iterate(value, at))
        case "string": return .string(text(value))
        case "bool": return .bool(value.truthy)
        case "int":
            let fallback = args.named("default", at: 0) ?? .int(0)
            switch value {
            case .int, .bool: return .int(value.integer!)
            case .double(let d): return Int(exactly: d.rounded(.towardZero)).map { .int($0) } ?? fallback
            case .string(let s):
                let t = pythonStrip(s, chars: nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
                if let i = Int(t) { return .int(i) }
                if let d = Double(t), let i = Int(exactly: d.rounded(.towardZero)) { return .int(i) }
                return fallback
            default: return fallback
            }
        case "float":
            let fallback = args.named("default", at: 0) ?? .double(0)
            switch value {
            case .int, .bool: return .double(Double(value.integer!))
            case .double: return value
            case .string(let s): return Double(pythonStrip(s, chars: nil, leading: true, trailing: true)).map { .double($0) } ?? fallback
            default: return fallback
            }
        case "items":
            switch value {
            case .object(let o): return .array(o.pairs.map { .array([.string($0.0), $0.1]) })
            case .undefined: return .array([])
            default: throw fail("can only get item pairs from a mapping")
            }
        case "selectattr", "rejectattr", "select", "reject":
            let byAttribute = name.hasSuffix("attr")
            let keep = name.hasPrefix("select")
            var rest = args.positional
            let attribute: JinjaValue? = byAttribute ? (rest.isEmpty ? nil : rest.removeFirst()) : nil
            if byAttribute && attribute == nil { throw fail("needs an attribute name") }
            let testName: String? = rest.isEmpty ? nil : text(rest.removeFirst())
            var out: [JinjaValue] = []
            for item in try iterate(value, at) {
                let subject = try attribute.map { try lookupPath(item, $0, at) } ?? item
                let passes = try testName.map { try applyTest($0, subject, rest, at) } ?? subject.truthy
                if passes == keep { out.append(item) }
            }
            return .array(out)
        case "map":
            let items = try iterate(value, at)
            if let attribute = args.keyword.first(where: { $0.0 == "attribute" })?.1 {
                let fallback = args.keyword.first(where: { $0.0 == "default" })?.1
                return .array(try items.map { item in
                    let v = try lookupPath(item, attribute, at)
                    return v.isUndefined ? (fallback ?? v) : v
                })
            }
            guard let filterName = args.positional.first.map(text) else { throw fail("needs a filter name or attribute=") }
            guard JinjaFilterNames.known.contains(filterName) else { throw fail("no filter named '\(filterName)'") }
            let rest = EvaluatedArguments(positional: Array(args.positional.dropFirst()), keyword: args.keyword)
            return .array(try items.map { try applyFilter(filterName, $0, rest, at) })
        case "reverse":
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .array(try iterate(value, at).reversed())
        case "sort", "dictsort", "unique", "sum", "min", "max":
            return try collectionFilter(name, value, args, at)
        case "safe": return value
        case "escape", "e": return .string(htmlEscape(text(value)))
        case "abs":
            switch value {
            case .int(let i): return .int(abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d): return .double(abs(d))
            default: throw fail("bad operand type for abs(): '\(value.typeName)'")
            }
        case "round":
            guard let x = value.numeric else { throw fail("needs a number") }
            let precision = args.named("precision", at: 0)?.integer ?? 0
            let method = args.named("method", at: 1).map(text) ?? "common"
            let scale = pow10(min(max(precision, -340), 340))
            let scaled = x * scale
            let r: Double
            switch method {
            case "ceil": r = scaled.rounded(.up)
            case "floor": r = scaled.rounded(.down)
            default: r = scaled.rounded(.toNearestOrEven)  // jinja2 calls Python's round(): half to even
            }
            // Past what a Double can scale (precision beyond ~300 places), rounding changes nothing.
            return .double(scaled.isFinite && scale.isFinite && scale != 0 ? r / scale : x)
        case "indent":
            let width = args.named("width", at: 0)
            let pad: String = { if case .string(let s)? = width { return s }; return String(repeating: " ", count: min(max(width?.integer ?? 4, 0), 1024)) }()
            let first = args.named("first", at: 1)?.truthy ?? false
            let blank = args.named("blank", at: 2)?.truthy ?? false
            // jinja2 appends "\n" and splits lines, then indents every line after the first (empty ones
            // only with blank=true); a trailing newline therefore disappears.
            let lines = (text(value) + "\n").split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).dropLast().map(String.init)
            var rv = lines.first ?? ""
            for line in lines.dropFirst() { rv += "\n" + (blank || !line.isEmpty ? pad + line : line) }
            return .string(first ? pad + rv : rv)
        case "wordcount":
            return .int(text(value).split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }).count)
        case "format":
            return try binaryOperation("%", value, .array(args.positional), at)
        default:
            throw ChatTemplateError.unsupported(message: "the filter '\(name)' is not supported", at: at)
        }
    }

    /// `attribute='a.b'` or an integer index, as selectattr/map/join/sort take them.
    func lookupPath(_ value: JinjaValue, _ path: JinjaValue, _ at: TemplatePosition) throws -> JinjaValue {
        if let i = path.integer { return try item(value, .int(i), at) }
        var v = value
        for part in path.pythonStr.split(separator: ".") {
            if v.isUndefined { return v }
            v = try item(v, Int(part).map { .int($0) } ?? .string(String(part)), at)
        }
        return v
    }

    private func collectionFilter(_ name: String, _ value: JinjaValue, _ args: EvaluatedArguments, _ at: TemplatePosition) throws -> JinjaValue {
        let items = try iterate(value, at)
        let caseSensitive = args.named("case_sensitive", at: name == "sort" ? 1 : 0)?.truthy ?? false
        let attribute = args.keyword.first(where: { $0.0 == "attribute" })?.1 ?? (name == "sort" ? args.named("attribute", at: 2) : nil)
        func key(_ v: JinjaValue) throws -> JinjaValue {
            let k = try attribute.map { try lookupPath(v, $0, at) } ?? v
            if !caseSensitive, case .string(let s) = k { return .string(s.lowercased()) }
            return k
        }
        func sorted(_ list: [JinjaValue], by keyOf: (JinjaValue) throws -> JinjaValue) throws -> [JinjaValue] {
            let keyed = try list.map { (try keyOf($0), $0) }
            var failure: Error? = nil
            let result = keyed.enumerated().sorted { a, b in
                do {
                    let c = try compare(a.element.0, b.element.0, "<", at)
                    return c != 0 ? c < 0 : a.offset < b.offset  // stable, like Python's sort
                } catch { failure = error; return false }
            }
            if let failure { throw failure }
            return result.map { $0.element.1 }
        }
        switch name {
        case "sort":
            let out = try sorted(items, by: key)
            return .array((args.named("reverse", at: 0)?.truthy ?? false) ? out.reversed() : out)
        case "dictsort":
            guard case .object(let o) = value else { throw ChatTemplateError.render(message: "dictsort needs a mapping", at: at) }
            let byValue = args.named("by", at: 1).map { $0.pythonStr == "value" } ?? false
            let pairs: [JinjaValue] = o.pairs.map { .array([.string($0.0), $0.1]) }
            let out = try sorted(pairs) { pair in
                guard case .array(let kv) = pair else { return pair }
                let k = byValue ? kv[1] : kv[0]
                if !caseSensitive, case .string(let s) = k { return .string(s.lowercased()) }
                return k
            }
            return .array((args.named("reverse", at: 2)?.truthy ?? false) ? out.reversed() : out)
        case "unique":
            var seen: [JinjaValue] = [], out: [JinjaValue] = []
            for item in items {
                let k = try key(item)
                if !seen.contains(k) { seen.append(k); out.append(item) }
            }
            return .array(out)
        case "sum":
            var total = args.named("start", at: 1) ?? .int(0)
            for item in items { total = try binaryOperation("+", total, try attribute.map { try lookupPath(item, $0, at) } ?? item, at) }
            return total
        default:  // min, max
            guard !items.isEmpty else { return .undefined(reason: "No aggregated item, sequence was empty.") }
            let out = try sorted(items, by: key)
            return name == "min" ? out.first! : out.last!
        }
    }
}

private func pow10(_ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(n) { r *= 10 }
    return n < 0 ? 1 / r : r
}

func htmlEscape(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&#34;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
