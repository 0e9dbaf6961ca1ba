/// The parsed form of a template: statements (`JinjaNode`) holding expressions (`JinjaExpr`).
/// Every node keeps its template position so runtime errors can name line and column.

struct JinjaExpr {
    indirect enum Kind {
        case literal(JinjaValue)
        case name(String)
        case list([JinjaExpr])
        case dict([(JinjaExpr, JinjaExpr)])
        case attribute(JinjaExpr, String)
        case item(JinjaExpr, JinjaExpr)
        case slice(JinjaExpr, start: JinjaExpr?, stop: JinjaExpr?, step: JinjaExpr?)
        case call(JinjaExpr, JinjaArguments)
        case filter(JinjaExpr, name: String, JinjaArguments)
        case test(JinjaExpr, name: String, JinjaArguments, negated: Bool)
        case not(JinjaExpr)
        case negate(JinjaExpr)
        case binary(String, JinjaExpr, JinjaExpr)  // + - * / // % ** == != < <= > >= in "not in"
        case and(JinjaExpr, JinjaExpr)
        case or(JinjaExpr, JinjaExpr)
        case concat([JinjaExpr])
        case conditional(JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
    }
    var kind: Kind
    var at: TemplatePosition
}

struct JinjaArguments {
    var positional: [JinjaExpr] = []
    var keyword: [(String, JinjaExpr)] = []
}

enum JinjaAssignTarget {
    case name(String)
    case names([String])                    // set a, b = ...
    case attribute(object: String, String)  // set ns.x = ...
}

struct JinjaMacro {
    var name: String
    var parameters: [(String, JinjaExpr?)]
    var body: [JinjaNode]
}

indirect enum JinjaNode {
    case text(String)
    case output(JinjaExpr)
    case ifChain([(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
    case forLoop(targets: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode],
                 at: TemplatePosition)
    case set(JinjaAssignTarget, JinjaExpr, at: TemplatePosition)
    case setBlock(String, body: [JinjaNode])
    case macro(JinjaMacro)
    case breakLoop(at: TemplatePosition)
    case continueLoop(at: TemplatePosition)
    case group([JinjaNode])  // `{% generation %}` bodies: rendered in place
}
