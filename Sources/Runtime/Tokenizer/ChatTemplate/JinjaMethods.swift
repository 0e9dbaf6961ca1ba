/// jinja2's tests (`x is defined`) and the Python str/dict methods real chat templates call
/// (`content.strip()`, `message.get('x')`, ...). The sandbox transformers uses forbids mutating methods.
extension JinjaRenderer {
    func applyTest(_ name: String, _ value: JinjaValue, _ args: [JinjaValue], _ at: TemplatePosition) throws -> Bool {
        func argument() throws -> JinjaValue {
            guard let a = args.first else { throw ChatTemplateError.render(message: "test '\(name)' needs an argument", at: at) }
            return a
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean": if case .bool = value { return true }; return false
        case "true": if case .bool(true) = value { return true }; return false
        case "false": if case .bool(false) = value { return true }; return false
        case "integer": if case .int = value { return true }; return false
        case "float": if case .double = value { return true }; return false
        case "number": return value.numeric != nil
        case "string": if case .string = value { return true }; return false
        case "mapping": if case .object = value { return true }; return false
        case "iterable", "sequence":
            switch value {
            case .string, .array, .object, .undefined: return true
            default: return false
            }
        case "callable": return false
        case "sameas":
            let other = try argument()
            switch (value, other) {
            case (.none, .none), (.undefined, .undefined): return true
            case (.bool(let x), .bool(let y)): return x == y
            case (.namespace(let x), .namespace(let y)): return x === y
            default: return false
            }
        case "equalto", "eq", "==": return value == (try argument())
        case "ne", "!=": return value != (try argument())
        case "lt", "<": return try compare(value, try argument(), "<", at) < 0
        case "le", "<=": return try compare(value, try argument(), "<=", at) <= 0
        case "gt", ">": return try compare(value, try argument(), ">", at) > 0
        case "ge", ">=": return try compare(value, try argument(), ">=", at) >= 0
        case "in": return try contains(try argument(), value, at)
        case "divisibleby":
            guard let x = value.integer, let y = try argument().integer, y != 0 else { return false }
            return x % y == 0
        case "even": return (value.integer ?? 1) % 2 == 0
        case "odd": return (value.integer ?? 0) % 2 != 0
        case "lower": if case .string(let s) = value { return s == s.lowercased() }; return false
        case "upper": if case .string(let s) = value { return s == s.uppercased() }; return false
        case "escaped": return false
        case "filter": return JinjaFilterNames.known.contains(try argument().pythonStr)
        case "test": return JinjaFilterNames.knownTests.contains(try argument().pythonStr)
        default: throw ChatTemplateError.unsupported(message: "the test '\(name)' is not supported", at: at)
        }
    }

    func callMethod(_ receiver: JinjaValue, _ method: String, _ args: EvaluatedArguments, _ at: TemplatePosition) throws -> JinjaValue {
        func fail(_ message: String) -> ChatTemplateError { .render(message: message, at: at) }
        switch receiver {
        case .undefined(let reason): throw fail(reason)
        case .string(let s):
            func optionalString(_ key: String, _ index: Int) throws -> String? {
                guard let v = args.named(key, at: index), !v.isNone else { return nil }
                guard case .string(let t) = v else { throw fail("str.\(method)() argument must be str, not \(v.typeName)") }
                return t
            }
            switch method {
            case "strip", "lstrip", "rstrip":
                return .string(pythonStrip(s, chars: try optionalString("chars", 0), leading: method != "rstrip", trailing: method != "lstrip"))
            case "split", "rsplit":
                let maxsplit = args.named("maxsplit", at: 1)?.integer ?? -1
                if method == "rsplit" && maxsplit >= 0 {
                    throw ChatTemplateError.unsupported(message: "str.rsplit with maxsplit is not supported", at: at)
                }
                return .array(pythonSplit(s, separator: try optionalString("sep", 0), maxsplit: maxsplit).map { .string($0) })
            case "splitlines":
                return .array(s.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { .string(String($0)) }
                    .dropLast(s.last?.isNewline == true ? 1 : 0))
            case "startswith", "endswith":
                guard let arg = args.positional.first else { throw fail("str.\(method)() takes at least 1 argument") }
                var candidates: [JinjaValue] = [arg]
                if case .array(let options) = arg { candidates = options }
                for c in candidates {
                    guard case .string(let p) = c else { throw fail("str.\(method)() argument must be str or a tuple of str") }
                    let hit = method == "startswith" ? s.unicodeScalars.starts(with: p.unicodeScalars)
                        : s.unicodeScalars.reversed().starts(with: p.unicodeScalars.reversed())
                    if hit { return .bool(true) }
                }
                return .bool(false)
            case "upper": return .string(s.uppercased())
            case "lower": return .string(s.lowercased())
            case "title": return .string(pythonTitle(s))
            case "capitalize": return .string(pythonCapitalize(s))
            case "replace":
                guard args.positional.count >= 2 else { throw fail("str.replace() takes at least 2 arguments") }
                return .string(pythonReplace(s, args.positional[0].pythonStr, args.positional[1].pythonStr,
                                             count: args.positional.count > 2 ? args.positional[2].integer : nil))
            case "find", "count":
                guard case .string(let needle)? = args.positional.first else { throw fail("str.\(method)() needs a string") }
                let hay = Array(s.unicodeScalars), n = Array(needle.unicodeScalars)
                var hits: [Int] = []
                var k = 0
                while k + n.count <= hay.count {
                    if Array(hay[k..<k + n.count]) == n { hits.append(k); k += max(n.count, 1) } else { k += 1 }
                    if method == "find" && !hits.isEmpty { break }
                }
                return .int(method == "find" ? (hits.first ?? -1) : hits.count)
            case "join":
                guard let iterable = args.positional.first else { throw fail("str.join() takes 1 argument") }
                return .string(try iterate(iterable, at).map { v -> String in
                    guard case .string(let t) = v else { throw fail("sequence item: expected str instance, \(v.typeName) found") }
                    return t
                }.joined(separator: s))
            case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil })
            case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(isPythonSpace))
            default: break
            }
        case .object(let o):
            switch method {
            case "items": return .array(o.pairs.map { .array([.string($0.0), $0.1]) })
            case "keys": return .array(o.keys.map { .string($0) })
            case "values": return .array(o.pairs.map(\.1))
            case "get":
                guard case .string(let k)? = args.positional.first else { throw fail("dict.get() needs a string key") }
                return o[k] ?? (args.positional.count > 1 ? args.positional[1] : .none)
            default: break
            }
        case .array(let a):
            switch method {
            case "index":
                guard let x = args.positional.first, let k = a.firstIndex(of: x) else { throw fail("value is not in list") }
                return .int(k)
            case "count":
                guard let x = args.positional.first else { throw fail("list.count() takes 1 argument") }
                return .int(a.filter { $0 == x }.count)
            case "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse":
                throw fail("lists are immutable in chat templates (transformers' sandbox forbids list.\(method)())")
            default: break
            }
        default: break
        }
        if method == "cycle", case .object(let loop) = receiver, case .int(let i)? = loop["index0"], !args.positional.isEmpty {
            return args.positional[i % args.positional.count]
        }
        throw ChatTemplateError.unsupported(message: "the method '\(receiver.typeName).\(method)()' is not supported", at: at)
    }
}

// MARK: - Python string semantics (code points, Python's whitespace)

func pythonStrip(_ s: String, chars: String?, leading: Bool, trailing: Bool) -> String {
    let set = chars.map { Set($0.unicodeScalars) }
    let strip: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? isPythonSpace($0) }
    let view = s.unicodeScalars
    var lo = view.startIndex, hi = view.endIndex
    if leading { while lo < hi && strip(view[lo]) { lo = view.index(after: lo) } }
    if trailing {
        while hi > lo {
            let before = view.index(before: hi)
            guard strip(view[before]) else { break }
            hi = before
        }
    }
    if lo == view.startIndex && hi == view.endIndex { return s }
    return String(view[lo..<hi])
}

/// `str.split(sep, maxsplit)`: with no separator, runs of whitespace split and ends are dropped.
func pythonSplit(_ s: String, separator: String?, maxsplit: Int) -> [String] {
    let scalars = Array(s.unicodeScalars)
    var parts: [String] = []
    func piece(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(scalars[a..<b])) }
    guard let separator, !separator.isEmpty else {
        var k = 0
        while k < scalars.count {
            while k < scalars.count && isPythonSpace(scalars[k]) { k += 1 }
            if k == scalars.count { break }
            if maxsplit >= 0 && parts.count == maxsplit {
                parts.append(piece(k, scalars.count))  // Python keeps the remainder's trailing whitespace
                break
            }
            let start = k
            while k < scalars.count && !isPythonSpace(scalars[k]) { k += 1 }
            parts.append(piece(start, k))
        }
        return parts
    }
    let sep = Array(separator.unicodeScalars)
    var start = 0, k = 0
    while k + sep.count <= scalars.count {
        if (maxsplit < 0 || parts.count < maxsplit) && Array(scalars[k..<k + sep.count]) == sep {
            parts.append(piece(start, k))
            k += sep.count
            start = k
        } else {
            k += 1
        }
    }
    parts.append(piece(start, scalars.count))
    return parts
}

func pythonReplace(_ s: String, _ old: String, _ new: String, count: Int?) -> String {
    let limit = count.flatMap { $0 < 0 ? nil : $0 } ?? Int.max
    let scalars = Array(s.unicodeScalars), o = Array(old.unicodeScalars)
    var out = String.UnicodeScalarView()
    var k = 0, done = 0
    if o.isEmpty {  // Python inserts `new` between every character and at both ends
        for scalar in scalars {
            if done < limit { out.append(contentsOf: new.unicodeScalars); done += 1 }
            out.append(scalar)
        }
        if done < limit { out.append(contentsOf: new.unicodeScalars) }
        return String(out)
    }
    while k < scalars.count {
        if done < limit && k + o.count <= scalars.count && Array(scalars[k..<k + o.count]) == o {
            out.append(contentsOf: new.unicodeScalars); k += o.count; done += 1
        } else {
            out.append(scalars[k]); k += 1
        }
    }
    return String(out)
}

func pythonCapitalize(_ s: String) -> String {
    guard let first = s.unicodeScalars.first else { return s }
    return String(first).uppercased() + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
}

/// Python `str.title()`: a letter after a non-letter is uppercased, other letters lowercased.
func pythonTitle(_ s: String) -> String {
    var out = "", previousCased = false
    for scalar in s.unicodeScalars {
        let cased = scalar.properties.isCased
        out += previousCased ? String(scalar).lowercased() : String(scalar).uppercased()
        previousCased = cased
    }
    return out
}

/// jinja2's `title` filter: words start after whitespace, '-', '(', '{', '[' or '<'.
func jinjaTitle(_ s: String) -> String {
    var out = "", atWordStart = true
    for scalar in s.unicodeScalars {
        let boundary = isPythonSpace(scalar) || "-({[<".unicodeScalars.contains(scalar)
        if boundary { out.unicodeScalars.append(scalar); atWordStart = true; continue }
        out += atWordStart ? String(scalar).uppercased() : String(scalar).lowercased()
        atWordStart = false
    }
    return out
}
