/// `set name = value`: defines a variable for `$name` substitution in later commands.
enum SetCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "set",
            summary: "Set variables for $name substitution; with no arguments, list them.",
            otherOptions: "name=value: the variables to set.",
            examples: ["set model_dir = ~/models/smollm2", "set lr=2e-4 epochs=3"]),
        run: { arguments, context in
            if arguments.extraOptions.isEmpty {
                ShowCommand.showVariables(context)
                return
            }
            for option in arguments.extraOptions {
                guard isName(option.key, allowDash: false) else {
                    throw ArgumentProblem(message: "'\(option.key)' is not a variable name; expected letters, digits and '_'",
                                          location: option.location)
                }
                // A recipe override (`sft run r.sft lr=1e-3`) wins over the recipe's own `set`.
                if context.isOverridden(option.key) { continue }
                context.session.setVariable(option.key, option.value)
            }
        })
}
