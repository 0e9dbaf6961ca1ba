import Foundation

/// Binary operators with Python semantics (what jinja2 compiles them to).
extension JinjaRenderer {
    func binaryOperation(_ op: String, _ a: JinjaValue, _ b: JinjaValue, _ at: TemplatePosition) throws -> JinjaValue {
        switch op {
        case "==": return .bool(a == b)
        case "!=": return .bool(a != b)
        case "in", "not in":
            let found = try contains(b, a, at)
            return .bool(op == "in" ? found : !found)
        case "<", "<=", ">", ">=":
            let c = try compare(a, b, op, at)
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        default:
            return try arithmetic(op, a, b, at)
        }
    }

    private func typeError(_ op: String, _ a: JinjaValue, _ b: JinjaValue, _ at: TemplatePosition) -> ChatTemplateError {
        if case .undefined(let reason) = a { return .render(message: reason, at: at) }
        if case .undefined(let reason) = b { return .render(message: reason, at: at) }
        return .render(message: "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'", at: at)
    }

    private func arithmetic(_ op: String, _ a: JinjaValue, _ b: JinjaValue, _ at: TemplatePosition) throws -> JinjaValue {
        switch (op, a, b) {
        case ("+", .string(let x), .string(let y)): return .string(x + y)
        case ("+", .array(let x), .array(let y)): return .array(x + y)
        case ("*", .string(let s), _), ("*", _, .string(let s)):
            guard let n = (a.integer ?? b.integer) else { throw typeError(op, a, b, at) }
            if n > 0 && (s.utf8.count.multipliedReportingOverflow(by: n).overflow || s.utf8.count * n > limits.maxOutputBytes) {
                throw ChatTemplateError.limitExceeded(message: "string repetition too large")
            }
            return .string(n > 0 ? String(repeating: s, count: n) : "")
        case ("*", .array(let arr), _), ("*", _, .array(let arr)):
            guard let n = (a.integer ?? b.integer) else { throw typeError(op, a, b, at) }
            if n > 0 && (arr.count.multipliedReportingOverflow(by: n).overflow || arr.count * n > 10_000_000) {
                throw ChatTemplateError.limitExceeded(message: "list repetition too large")
            }
            return .array(n > 0 ? Array([[JinjaValue]](repeating: arr, count: n).joined()) : [])
        case ("%", .string(let format), _):
            return .string(try percentFormat(format, a: b, at))
        default: break
        }
        if let x = a.integer, let y = b.integer { return try integerArithmetic(op, x, y, at) }
        guard let x = a.numeric, let y = b.numeric else { throw typeError(op, a, b, at) }
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/":
            if y == 0 { throw ChatTemplateError.render(message: "float division by zero", at: at) }
            return .double(x / y)
        case "//":
            if y == 0 { throw ChatTemplateError.render(message: "float floor division by zero", at: at) }
            return .double((x / y).rounded(.down))
        case "%":
            if y == 0 { throw ChatTemplateError.render(message: "float modulo by zero", at: at) }
            let r = x.truncatingRemainder(dividingBy: y)
            return .double(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case "**": return .double(pow(x, y))
        default: throw typeError(op, a, b, at)
        }
    }

    private func integerArithmetic(_ op: String, _ x: Int, _ y: Int, _ at: TemplatePosition) throws -> JinjaValue {
        func checked(_ r: (Int, Bool)) throws -> JinjaValue {
            if r.1 { throw ChatTemplateError.render(message: "integer overflow in '\(op)'", at: at) }
            return .int(r.0)
        }
        switch op {
        case "+": return try checked(x.addingReportingOverflow(y))
        case "-": return try checked(x.subtractingReportingOverflow(y))
        case "*": return try checked(x.multipliedReportingOverflow(by: y))
        case "/":
            if y == 0 { throw ChatTemplateError.render(message: "division by zero", at: at) }
            return .double(Double(x) / Double(y))
        case "//", "%":
            if y == 0 { throw ChatTemplateError.render(message: "integer division or modulo by zero", at: at) }
            // Python floors toward negative infinity; the remainder takes the divisor's sign.
            var q = x / y, r = x % y
            if r != 0 && (r < 0) != (y < 0) { q -= 1; r += y }
            return .int(op == "//" ? q : r)
        case "**":
            if y < 0 { return .double(pow(Double(x), Double(y))) }
            // Square-and-multiply: at most 64 rounds whatever the exponent.
            var (result, base, e) = (1, x, y)
            while e > 0 {
                if e & 1 == 1 {
                    let (p, overflow) = result.multipliedReportingOverflow(by: base)
                    if overflow { throw ChatTemplateError.render(message: "integer overflow in '**'", at: at) }
                    result = p
                }
                e >>= 1
                if e > 0 {
                    let (sq, overflow) = base.multipliedReportingOverflow(by: base)
                    if overflow { throw ChatTemplateError.render(message: "integer overflow in '**'", at: at) }
                    base = sq
                }
            }
            return .int(result)
        default: throw ChatTemplateError.render(message: "unknown operator '\(op)'", at: at)
        }
    }

    /// Python `needle in haystack`.
    func contains(_ haystack: JinjaValue, _ needle: JinjaValue, _ at: TemplatePosition) throws -> Bool {
        switch haystack {
        case .string(let s):
            guard case .string(let n) = needle else {
                throw ChatTemplateError.render(message: "'in <string>' requires string as left operand, not \(needle.typeName)", at: at)
            }
            return containsUTF8(s, n)
        case .array(let a): return a.contains(needle)
        case .object(let o):
            guard case .string(let k) = needle else { return false }
            return o[k] != nil
        case .namespace(let ns):
            guard case .string(let k) = needle else { return false }
            return ns.attributes[k] != nil
        case .undefined: return false  // Undefined iterates as empty
        default: throw ChatTemplateError.render(message: "argument of type '\(haystack.typeName)' is not iterable", at: at)
        }
    }

    /// Substring test on UTF-8 bytes: a valid UTF-8 needle can only match a valid UTF-8 haystack at
    /// code-point boundaries, so this is Python's code-point `in` (and far faster than a generic search).
    private func containsUTF8(_ haystack: String, _ needle: String) -> Bool {
        if needle.isEmpty { return true }
        var h = haystack, n = needle
        return h.withUTF8 { hb in
            n.withUTF8 { nb in
                guard nb.count <= hb.count, let first = nb.first else { return false }
                var i = 0
                let last = hb.count - nb.count
                while i <= last {
                    if hb[i] == first && memcmp(hb.baseAddress! + i, nb.baseAddress!, nb.count) == 0 { return true }
                    i += 1
                }
                return false
            }
        }
    }

    /// Python ordering: numbers with numbers, strings by code point, lists element-wise.
    func compare(_ a: JinjaValue, _ b: JinjaValue, _ op: String, _ at: TemplatePosition) throws -> Int {
        if let x = a.numeric, let y = b.numeric { return x < y ? -1 : (x > y ? 1 : 0) }
        switch (a, b) {
        case (.string(let x), .string(let y)):
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars, by: { $0.value < $1.value }) ? -1
                : (x.unicodeScalars.elementsEqual(y.unicodeScalars) ? 0 : 1)
        case (.array(let x), .array(let y)):
            for (p, q) in zip(x, y) where p != q { return try compare(p, q, op, at) }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        default:
            if case .undefined(let reason) = a { throw ChatTemplateError.render(message: reason, at: at) }
            if case .undefined(let reason) = b { throw ChatTemplateError.render(message: reason, at: at) }
            throw ChatTemplateError.render(message: "'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'", at: at)
        }
    }

    /// `"%s and %d" % (a, b)`: printf-style formatting for the conversions templates use (s, r, d, i, f).
    private func percentFormat(_ format: String, a: JinjaValue, _ at: TemplatePosition) throws -> String {
        var args: [JinjaValue]
        if case .array(let items) = a { args = items } else { args = [a] }
        var out = ""
        var chars = Array(format)
        var k = 0
        while k < chars.count {
            let c = chars[k]
            k += 1
            guard c == "%" else { out.append(c); continue }
            guard k < chars.count else { throw ChatTemplateError.render(message: "incomplete format", at: at) }
            var spec = ""
            while k < chars.count, "0123456789.-+ #".contains(chars[k]) { spec.append(chars[k]); k += 1 }
            guard k < chars.count else { throw ChatTemplateError.render(message: "incomplete format", at: at) }
            let conversion = chars[k]
            k += 1
            if conversion == "%" { out.append("%"); continue }
            guard !args.isEmpty else { throw ChatTemplateError.render(message: "not enough arguments for format string", at: at) }
            let v = args.removeFirst()
            switch conversion {
            case "s": out += v.pythonStr
            case "r": out += v.pythonRepr
            case "d", "i":
                guard let n = v.integer ?? v.numeric.flatMap({ Int(exactly: $0.rounded(.towardZero)) }) else { throw ChatTemplateError.render(message: "%d format: a number is required", at: at) }
                out += String(format: "%" + spec + "ld", n)
            case "f", "e", "g":
                guard let d = v.numeric else { throw ChatTemplateError.render(message: "%\(conversion) format: a number is required", at: at) }
                out += String(format: "%" + spec + String(conversion), d)
            default:
                throw ChatTemplateError.unsupported(message: "format conversion '%\(conversion)' is not supported", at: at)
            }
        }
        chars.removeAll()
        if !args.isEmpty, case .array = a { throw ChatTemplateError.render(message: "not all arguments converted during string formatting", at: at) }
        return out
    }
}
