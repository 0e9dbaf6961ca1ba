/// `exit [status]` / `quit`: ends the REPL or the recipe run.
enum ExitCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "exit",
            aliases: ["quit"],
            summary: "End sft (the REPL, or the whole recipe run) with the given status.",
            positionals: [.optional("status", .int, default: "0", range: 0...255, "The exit status.")],
            examples: ["exit", "quit", "exit 1"]),
        run: { arguments, _ in
            throw ExitRequest(status: Int32(arguments.int("status") ?? 0))
        })
}
