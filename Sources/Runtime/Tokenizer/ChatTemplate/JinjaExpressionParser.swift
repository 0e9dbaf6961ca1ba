/// Expressions, following jinja2's precedence: conditional < or < and < not < comparison < + - < ~
/// < * / // % < ** < unary < postfix (attribute, subscript, call) < filters and tests.
extension JinjaParser {
    /// `a, b` without brackets is a tuple (used by `set x = a, b`).
    mutating func parseTupleOrExpression() throws -> JinjaExpr {
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
