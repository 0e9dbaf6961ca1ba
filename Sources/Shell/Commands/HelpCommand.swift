/// `help [VERB [SUBVERB]]`: the verb list, or one verb's arguments with types, defaults and examples.
enum HelpCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "help",
            summary: "List the commands, or show one command's arguments, defaults and examples.",
            positionals: [.optional("verb", .string, "The verb to explain."),
                          .optional("subverb", .string, "Its subverb, for verbs that have them.")],
            examples: ["help", "help run"]),
        run: { arguments, context in
            let specs = CommandRegistry.all.map(\.spec)
            guard let verb = arguments.string("verb") else {
                context.output.line(HelpText.overview(specs))
                return
            }
            let matching = specs.filter { $0.verb == verb || $0.aliases.contains(verb) }
            guard !matching.isEmpty else {
                let hint = closestWord(to: verb, in: CommandRegistry.binder.verbs).map { " (did you mean '\($0)'?)" } ?? ""
                throw ArgumentProblem(message: "no command named '\(verb)'\(hint); 'help' lists them",
                                      location: arguments.location(of: "verb"))
            }
            let chosen = arguments.string("subverb").map { sub in matching.filter { $0.subverb == sub } } ?? matching
            guard !chosen.isEmpty else {
                let names = matching.compactMap(\.subverb)
                throw ArgumentProblem(message: "'\(verb)' has no subverb '\(arguments.string("subverb")!)'; expected one of \(names.joined(separator: ", "))",
                                      location: arguments.location(of: "subverb"))
            }
            context.output.line(chosen.map(HelpText.command).joined(separator: "\n\n"))
        })
}
