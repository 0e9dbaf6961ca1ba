/// `show [name]`: the session's variables and loaded state, or one of them.
enum ShowCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "show",
            summary: "Show the session: variables and loaded state (model, data, adapters, metrics), or one of them.",
            positionals: [.optional("name", .string, "A variable or state name (model, data, ...).")],
            examples: ["show", "show lr"]),
        run: { arguments, context in
            let session = context.session
            guard let name = arguments.string("name") else {
                showVariables(context)
                if session.state.isEmpty {
                    context.output.line("state: nothing loaded")
                } else {
                    context.output.table(["state", "summary"], session.state.map { [$0.name, $0.summary] })
                }
                return
            }
            if let value = session.variables[name] {
                context.output.line("\(name) = \(value)")
            } else if let state = session.state.first(where: { $0.name == name }) {
                context.output.line("\(state.name): \(state.summary)")
            } else {
                let names = Array(session.variables.keys) + session.state.map(\.name)
                let hint = closestWord(to: name, in: names).map { " (did you mean '\($0)'?)" } ?? ""
                throw ArgumentProblem(message: "nothing named '\(name)' in the session\(hint)",
                                      location: arguments.location(of: "name"))
            }
        })

    static func showVariables(_ context: CommandContext) {
        let variables = context.session.variables.sorted { $0.key < $1.key }
        if variables.isEmpty {
            context.output.line("variables: none")
        } else {
            context.output.table(["variable", "value"], variables.map { [$0.key, $0.value] })
        }
    }
}
