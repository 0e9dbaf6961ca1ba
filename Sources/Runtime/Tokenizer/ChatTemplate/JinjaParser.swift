/// Recursive-descent parser over `JinjaLexer` tokens, following jinja2's grammar and operator
/// precedence (conditional < or < and < not < comparison < + - < ~ < * / // % < ** < unary < filters/tests).
struct JinjaParser {
    private var tokens: [JinjaToken]
    private var i = 0
    private var depth = 0
    private static let maxDepth = 200

    init(tokens: [JinjaToken]) { self.tokens = tokens }

    mutating func parseTemplate() throws -> [JinjaNode] {
        let (nodes, _) = try parseBody(until: [], opener: nil)
        return nodes
    }

    // MARK: statements

    private var current: JinjaToken { tokens[i] }

    private func syntax(_ message: String, _ at: TemplatePosition? = nil) -> ChatTemplateError {
        .syntax(message: message, at: at ?? tokens[i].at)
    }

    /// Nodes up to a block tag named in `terminators`; returns that name with the tag's name consumed.
    private mutating func parseBody(until terminators: Set<String>, opener: (String, TemplatePosition)?) throws
        -> ([JinjaNode], String?)
    {
        depth += 1
        defer { depth -= 1 }
        if depth > JinjaParser.maxDepth { throw syntax("blocks nested more than \(JinjaParser.maxDepth) deep") }
        var nodes: [JinjaNode] = []
        while true {
            let token = current
            switch token.kind {
            case .text(let s):
                nodes.append(.text(s)); i += 1
            case .variableBegin:
                i += 1
                let e = try parseExpression()
                try expect(.variableEnd, "'}}' to close the print tag")
                nodes.append(.output(e))
            case .blockBegin:
                i += 1
                guard case .name(let tag) = current.kind else { throw syntax("expected a tag name after '{%'") }
                if terminators.contains(tag) { i += 1; return (nodes, tag) }
                nodes.append(try parseStatement(tag, at: token.at, opener: opener))
            case .eof:
                if let (name, at) = opener {
                    let expected = terminators.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw syntax("unclosed '{% \(name) %}': reached the end of the template looking for \(expected)", at)
                }
                return (nodes, nil)
            default:
                throw syntax("unexpected token")
            }
        }
    }

    /// `at` is the position of the tag's `{%`.
    private mutating func parseStatement(_ tag: String, at: TemplatePosition, opener: (String, TemplatePosition)?) throws -> JinjaNode {
        i += 1
        switch tag {
        case "if": return try parseIf(at)
        case "for": return try parseFor(at)
        case "set": return try parseSet(at)
        case "macro": return try parseMacro(at)
        case "break", "continue":
            try expect(.blockEnd, "'%}'")
            return tag == "break" ? .breakLoop(at: at) : .continueLoop(at: at)
        case "generation":  // transformers' assistant-mask extension: renders its body in place
            try expect(.blockEnd, "'%}'")
            let (body, _) = try parseBody(until: ["endgeneration"], opener: ("generation", at))
            try expect(.blockEnd, "'%}'")
            return .group(body)
        case "call", "filter", "with", "include", "import", "from", "extends", "block", "autoescape", "do":
            throw ChatTemplateError.unsupported(message: "the '{% \(tag) %}' tag is not supported in chat templates", at: at)
        default:
            if let (name, openedAt) = opener {
                throw syntax("unexpected '{% \(tag) %}': the innermost open block is '\(name)' opened at \(openedAt)", at)
            }
            if tag.hasPrefix("end") || tag == "else" || tag == "elif" {
                throw syntax("unexpected '{% \(tag) %}' with no open block", at)
            }
            throw syntax("unknown tag '\(tag)'", at)
        }
    }

    private mutating func parseIf(_ at: TemplatePosition) throws -> JinjaNode {
        var branches: [(JinjaExpr, [JinjaNode])] = []
        var condition = try parseExpression()
        var otherwise: [JinjaNode] = []
        while true {
            try expect(.blockEnd, "'%}'")
            let (body, end) = try parseBody(until: ["elif", "else", "endif"], opener: ("if", at))
            branches.append((condition, body))
            if end == "elif" { condition = try parseExpression(); continue }
            if end == "else" {
                try expect(.blockEnd, "'%}'")
                (otherwise, _) = try parseBody(until: ["endif"], opener: ("if", at))
            }
            try expect(.blockEnd, "'%}'")
            return .ifChain(branches, otherwise: otherwise)
        }
    }

    private mutating func parseFor(_ at: TemplatePosition) throws -> JinjaNode {
        var targets = [try expectName()]
        while acceptOp(",") { targets.append(try expectName()) }
        guard acceptName("in") else { throw syntax("expected 'in' in the for loop") }
        let iterable = try parseExpression(conditional: false)
        var condition: JinjaExpr? = nil
        if acceptName("if") { condition = try parseExpression() }
        if case .name("recursive") = current.kind {
            throw ChatTemplateError.unsupported(message: "recursive for loops are not supported", at: current.at)
        }
        try expect(.blockEnd, "'%}'")
        let (body, end) = try parseBody(until: ["endfor", "else"], opener: ("for", at))
        var otherwise: [JinjaNode] = []
        if end == "else" {
            try expect(.blockEnd, "'%}'")
            (otherwise, _) = try parseBody(until: ["endfor"], opener: ("for", at))
        }
        try expect(.blockEnd, "'%}'")
        return .forLoop(targets: targets, iterable: iterable, condition: condition, body: body, otherwise: otherwise, at: at)
    }

    private mutating func parseSet(_ at: TemplatePosition) throws -> JinjaNode {
        let first = try expectName()
        var target = JinjaAssignTarget.name(first)
        if acceptOp(".") {
            target = .attribute(object: first, try expectName())
        } else if case .op(",") = current.kind {
            var names = [first]
            while acceptOp(",") { names.append(try expectName()) }
            target = .names(names)
        }
        if acceptOp("=") {
            let value = try parseTupleOrExpression()
            try expect(.blockEnd, "'%}'")
            return .set(target, value, at: at)
        }
        guard case .name(let name) = target else { throw syntax("expected '=' in the set tag") }
        try expect(.blockEnd, "'%}' or '=' in the set tag")
        let (body, _) = try parseBody(until: ["endset"], opener: ("set", at))
        try expect(.blockEnd, "'%}'")
        return .setBlock(name, body: body)
    }

    private mutating func parseMacro(_ at: TemplatePosition) throws -> JinjaNode {
        let name = try expectName()
        try expectOp("(")
        var parameters: [(String, JinjaExpr?)] = []
        while !acceptOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if acceptOp(")") { break }
            let p = try expectName()
            parameters.append((p, acceptOp("=") ? try parseExpression() : nil))
        }
        try expect(.blockEnd, "'%}'")
        let (body, _) = try parseBody(until: ["endmacro"], opener: ("macro", at))
        if case .name = current.kind { i += 1 }  // `{% endmacro name %}`
        try expect(.blockEnd, "'%}'")
        return .macro(JinjaMacro(name: name, parameters: parameters, body: body))
    }

    // MARK: token helpers

    private mutating func expect(_ kind: JinjaTokenKind, _ what: String) throws {
        guard current.kind == kind else { throw syntax("expected \(what), found \(describe(current.kind))") }
        i += 1
    }

    private mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else { throw syntax("expected a name, found \(describe(current.kind))") }
        i += 1
        return n
    }

    private mutating func expectOp(_ op: String) throws {
        guard acceptOp(op) else { throw syntax("expected '\(op)', found \(describe(current.kind))") }
    }

    private mutating func acceptOp(_ op: String) -> Bool {
        if case .op(op) = current.kind { i += 1; return true }
        return false
    }

    private mutating func acceptName(_ name: String) -> Bool {
        if case .name(name) = current.kind { i += 1; return true }
        return false
    }

    private func isName(_ name: String, offset: Int = 0) -> Bool {
        guard i + offset < tokens.count, case .name(name) = tokens[i + offset].kind else { return false }
        return true
    }

    private func describe(_ kind: JinjaTokenKind) -> String {
        switch kind {
        case .text: return "template text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let n): return "'\(n)'"
        case .string(let s): return "string \(pythonStringRepr(s))"
        case .int(let v): return "\(v)"
        case .float(let v): return "\(v)"
        case .op(let o): return "'\(o)'"
        case .eof: return "the end of the template"
        }
    }

    // MARK: expressions

    /// `a, b` without brackets is a tuple (used by `set x = a, b`).
    private mutating func parseTupleOrExpression() throws -> JinjaExpr {
        let first = try parseExpression()
        guard case .op(",") = current.kind else { return first }
        var items = [first]
        while acceptOp(",") {
            if case .blockEnd = current.kind { break }
            items.append(try parseExpression())
        }
        return JinjaExpr(kind: .list(items), at: first.at)
    }

    mutating func parseExpression(conditional: Bool = true) throws -> JinjaExpr {
        depth += 1
        defer { depth -= 1 }
        if depth > JinjaParser.maxDepth { throw syntax("expression nested more than \(JinjaParser.maxDepth) deep") }
        var e = try parseOr()
        guard conditional else { return e }
        while isName("if") {
            let at = current.at
            i += 1
            let condition = try parseOr()
            let otherwise = acceptName("else") ? try parseExpression() : nil
            e = JinjaExpr(kind: .conditional(e, condition: condition, otherwise: otherwise), at: at)
        }
        return e
    }

    private mutating func parseOr() throws -> JinjaExpr {
        var left = try parseAnd()
        while isName("or") {
            let at = current.at; i += 1
            left = JinjaExpr(kind: .or(left, try parseAnd()), at: at)
        }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpr {
        var left = try parseNot()
        while isName("and") {
            let at = current.at; i += 1
            left = JinjaExpr(kind: .and(left, try parseNot()), at: at)
        }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpr {
        if isName("not") {
            let at = current.at; i += 1
            return JinjaExpr(kind: .not(try parseNot()), at: at)
        }
        return try parseCompare()
    }

    private static let comparisons: Set<String> = ["==", "!=", "<", "<=", ">", ">="]

    private mutating func parseCompare() throws -> JinjaExpr {
        var left = try parseMath1()
        var result: JinjaExpr? = nil
        while true {
            let at = current.at
            var op: String
            if case .op(let o) = current.kind, JinjaParser.comparisons.contains(o) { op = o; i += 1 }
            else if isName("in") { op = "in"; i += 1 }
            else if isName("not") && isName("in", offset: 1) { op = "not in"; i += 2 }
            else { break }
            let right = try parseMath1()
            // Chained comparisons (a < b < c) mean (a < b) and (b < c).
            let pair = JinjaExpr(kind: .binary(op, left, right), at: at)
            result = result.map { JinjaExpr(kind: .and($0, pair), at: at) } ?? pair
            left = right
        }
        return result ?? left
    }

    private mutating func parseMath1() throws -> JinjaExpr {
        var left = try parseConcat()
        while case .op(let o) = current.kind, o == "+" || o == "-" {
            let at = current.at; i += 1
            left = JinjaExpr(kind: .binary(o, left, try parseConcat()), at: at)
        }
        return left
    }

    private mutating func parseConcat() throws -> JinjaExpr {
        let first = try parseMath2()
        var parts = [first]
        while acceptOp("~") { parts.append(try parseMath2()) }
        return parts.count == 1 ? first : JinjaExpr(kind: .concat(parts), at: first.at)
    }

    private mutating func parseMath2() throws -> JinjaExpr {
        var left = try parsePow()
        while case .op(let o) = current.kind, ["*", "/", "//", "%"].contains(o) {
            let at = current.at; i += 1
            left = JinjaExpr(kind: .binary(o, left, try parsePow()), at: at)
        }
        return left
    }

    private mutating func parsePow() throws -> JinjaExpr {
        var left = try parseUnary()
        while acceptOp("**") {
            left = JinjaExpr(kind: .binary("**", left, try parseUnary()), at: left.at)
        }
        return left
    }

    private mutating func parseUnary(withFilters: Bool = true) throws -> JinjaExpr {
        depth += 1
        defer { depth -= 1 }
        if depth > JinjaParser.maxDepth { throw syntax("expression nested more than \(JinjaParser.maxDepth) deep") }
        let at = current.at
        var e: JinjaExpr
        if acceptOp("-") { e = JinjaExpr(kind: .negate(try parseUnary(withFilters: false)), at: at) }
        else if acceptOp("+") { e = try parseUnary(withFilters: false) }
        else { e = try parsePostfix(try parsePrimary()) }
        return withFilters ? try parseFiltersAndTests(e) : e
    }

    private mutating func parsePrimary() throws -> JinjaExpr {
        let token = current
        switch token.kind {
        case .name(let n):
            i += 1
            switch n {
            case "true", "True": return JinjaExpr(kind: .literal(.bool(true)), at: token.at)
            case "false", "False": return JinjaExpr(kind: .literal(.bool(false)), at: token.at)
            case "none", "None": return JinjaExpr(kind: .literal(.none), at: token.at)
            default: return JinjaExpr(kind: .name(n), at: token.at)
            }
        case .string(var s):
            i += 1
            while case .string(let more) = current.kind { s += more; i += 1 }  // adjacent literals join
            return JinjaExpr(kind: .literal(.string(s)), at: token.at)
        case .int(let v): i += 1; return JinjaExpr(kind: .literal(.int(v)), at: token.at)
        case .float(let v): i += 1; return JinjaExpr(kind: .literal(.double(v)), at: token.at)
        case .op("("):
            i += 1
            if acceptOp(")") { return JinjaExpr(kind: .list([]), at: token.at) }
            let first = try parseExpression()
            if acceptOp(")") { return first }
            var items = [first]
            while acceptOp(",") {
                if case .op(")") = current.kind { break }
                items.append(try parseExpression())
            }
            try expectOp(")")
            return JinjaExpr(kind: .list(items), at: token.at)
        case .op("["):
            i += 1
            var items: [JinjaExpr] = []
            while !acceptOp("]") {
                if !items.isEmpty { try expectOp(","); if acceptOp("]") { break } }
                items.append(try parseExpression())
            }
            return JinjaExpr(kind: .list(items), at: token.at)
        case .op("{"):
            i += 1
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            while !acceptOp("}") {
                if !pairs.isEmpty { try expectOp(","); if acceptOp("}") { break } }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            return JinjaExpr(kind: .dict(pairs), at: token.at)
        default:
            throw syntax("expected an expression, found \(describe(token.kind))")
        }
    }

    private mutating func parsePostfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var e = base
        while true {
            let at = current.at
            if acceptOp(".") {
                switch current.kind {
                case .name(let n): i += 1; e = JinjaExpr(kind: .attribute(e, n), at: at)
                case .int(let v): i += 1; e = JinjaExpr(kind: .item(e, JinjaExpr(kind: .literal(.int(v)), at: at)), at: at)
                default: throw syntax("expected an attribute name after '.'")
                }
            } else if acceptOp("[") {
                e = try parseSubscript(e, at)
            } else if case .op("(") = current.kind {
                e = JinjaExpr(kind: .call(e, try parseArguments()), at: at)
            } else {
                return e
            }
        }
    }

    private mutating func parseSubscript(_ base: JinjaExpr, _ at: TemplatePosition) throws -> JinjaExpr {
        var start: JinjaExpr? = nil
        if case .op(":") = current.kind {} else { start = try parseExpression() }
        if acceptOp("]") {
            guard let start else { throw syntax("expected an index") }
            return JinjaExpr(kind: .item(base, start), at: at)
        }
        try expectOp(":")
        var stop: JinjaExpr? = nil, step: JinjaExpr? = nil
        if case .op(let o) = current.kind, o == "]" || o == ":" {} else { stop = try parseExpression() }
        if acceptOp(":") {
            if case .op("]") = current.kind {} else { step = try parseExpression() }
        }
        try expectOp("]")
        return JinjaExpr(kind: .slice(base, start: start, stop: stop, step: step), at: at)
    }

    private mutating func parseArguments() throws -> JinjaArguments {
        try expectOp("(")
        var args = JinjaArguments()
        while !acceptOp(")") {
            if !args.positional.isEmpty || !args.keyword.isEmpty {
                try expectOp(",")
                if acceptOp(")") { break }
            }
            if case .op(let o) = current.kind, o == "*" || o == "**" {
                throw ChatTemplateError.unsupported(message: "*args and **kwargs in calls are not supported", at: current.at)
            }
            if case .name(let n) = current.kind, i + 1 < tokens.count, case .op("=") = tokens[i + 1].kind {
                i += 2
                args.keyword.append((n, try parseExpression()))
            } else {
                if !args.keyword.isEmpty { throw syntax("positional argument after keyword argument") }
                args.positional.append(try parseExpression())
            }
        }
        return args
    }

    private mutating func parseFiltersAndTests(_ base: JinjaExpr) throws -> JinjaExpr {
        var e = base
        while true {
            let at = current.at
            if acceptOp("|") {
                let nameAt = current.at
                let name = try expectName()
                guard JinjaFilterNames.known.contains(name) else { throw syntax("no filter named '\(name)'", nameAt) }
                var args = JinjaArguments()
                if case .op("(") = current.kind { args = try parseArguments() }
                e = JinjaExpr(kind: .filter(e, name: name, args), at: at)
            } else if acceptName("is") {
                let negated = acceptName("not")
                let nameAt = current.at
                let name = try expectName()
                guard JinjaFilterNames.knownTests.contains(name) else { throw syntax("no test named '\(name)'", nameAt) }
                var args = JinjaArguments()
                switch current.kind {
                case .op("("): args = try parseArguments()
                case .name(let n) where !["else", "or", "and"].contains(n):
                    args.positional = [try parsePostfix(try parsePrimary())]
                case .string, .int, .float, .op("["), .op("{"):
                    args.positional = [try parsePostfix(try parsePrimary())]
                default: break
                }
                e = JinjaExpr(kind: .test(e, name: name, args, negated: negated), at: at)
            } else if case .op("(") = current.kind {
                e = JinjaExpr(kind: .call(e, try parseArguments()), at: at)
            } else {
                return e
            }
        }
    }
}
