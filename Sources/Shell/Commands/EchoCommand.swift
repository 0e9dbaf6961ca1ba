/// `echo words...`: prints its arguments after substitution (handy in recipes).
enum EchoCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "echo",
            summary: "Print the words after substitution, separated by spaces.",
            positionals: [.optional("text", .string, "The words to print.")],
            lastPositionalTakesRest: true,
            optionsAreText: true,
            examples: ["echo \"training with lr=$lr\""]),
        run: { arguments, context in
            context.output.line((arguments.list("text") ?? []).joined(separator: " "))
        })
}
