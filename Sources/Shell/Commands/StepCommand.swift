/// `step FILE [key=value ...]`: runs a recipe one command at a time.
enum StepCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "step",
            summary: "Run a recipe one command at a time: Enter runs the next command, s skips it, q stops, any other line runs as a command first.",
            positionals: [.required("file", .existingPath, "The recipe (.sft) to step through.")],
            otherOptions: "name=value: overrides; each replaces the recipe's own set of that variable.",
            examples: ["step recipes/code-gen.sft", "step recipes/code-gen.sft epochs=1"]),
        run: { arguments, context in
            try RecipeRunner.run(file: arguments.path("file")!, overrides: arguments.extraOptions,
                                 stepping: true, context: context)
        })
}
