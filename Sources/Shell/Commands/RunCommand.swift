/// `run FILE [key=value ...]`: runs a recipe in this session; overrides replace its `set` values.
enum RunCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "run",
            summary: "Run a recipe in this session; key=value overrides replace the recipe's set values.",
            positionals: [.required("file", .existingPath, "The recipe (.sft) to run.")],
            otherOptions: "name=value: overrides; each replaces the recipe's own set of that variable.",
            examples: ["run recipes/code-gen.sft", "run recipes/code-gen.sft epochs=1 lr=1e-4"]),
        run: { arguments, context in
            try RecipeRunner.run(file: arguments.path("file")!, overrides: arguments.extraOptions,
                                 stepping: false, context: context)
        })
}
