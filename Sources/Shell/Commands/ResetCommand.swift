/// `reset [name]`: forgets the whole session, or one variable or piece of state.
enum ResetCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "reset",
            summary: "Forget the session (variables and loaded state), or only the named variable or state.",
            positionals: [.optional("name", .string, "A variable or state name; all when omitted.")],
            examples: ["reset", "reset lr"]),
        run: { arguments, context in
            let session = context.session
            guard let name = arguments.string("name") else {
                session.reset()
                context.output.line("session reset")
                return
            }
            let hadVariable = session.variables[name] != nil
            session.removeVariable(name)
            guard session.removeState(named: name) || hadVariable else {
                throw ArgumentProblem(message: "nothing named '\(name)' in the session",
                                      location: arguments.location(of: "name"))
            }
        })
}
