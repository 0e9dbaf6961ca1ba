/// Recursive-descent parser over `JinjaLexer` tokens: template structure and statements here,
/// expressions in JinjaExpressionParser.swift.
struct JinjaParser {
    var tokens: [JinjaToken]
    var i = 0
    var depth = 0
    static let maxDepth = 64  // real templates nest a handful of levels; recursion depth stays small on any thread

    init(tokens: [JinjaToken]) { self.tokens = tokens }

    mutating func parseTemplate() throws -> [JinjaNode] {
        let (nodes, _) = try parseBody(until: [], opener: nil)
        return nodes
    }

    // MARK: statements

    var current: JinjaToken { tokens[i] }

    func syntax(_ message: String, _ at: TemplatePosition? = nil) -> ChatTemplateError {
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

    mutating func expect(_ kind: JinjaTokenKind, _ what: String) throws {
        guard current.kind == kind else { throw syntax("expected \(what), found \(describe(current.kind))") }
        i += 1
    }

    mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else { throw syntax("expected a name, found \(describe(current.kind))") }
        i += 1
        return n
    }

    mutating func expectOp(_ op: String) throws {
        guard acceptOp(op) else { throw syntax("expected '\(op)', found \(describe(current.kind))") }
    }

    mutating func acceptOp(_ op: String) -> Bool {
        if case .op(op) = current.kind { i += 1; return true }
        return false
    }

    mutating func acceptName(_ name: String) -> Bool {
        if case .name(name) = current.kind { i += 1; return true }
        return false
    }

    func isName(_ name: String, offset: Int = 0) -> Bool {
        guard i + offset < tokens.count, case .name(name) = tokens[i + offset].kind else { return false }
        return true
    }

    func describe(_ kind: JinjaTokenKind) -> String {
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
}
