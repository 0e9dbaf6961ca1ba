/// Every command of the language. Adding a verb: one file in Commands/ with its
/// `CommandDefinition`, plus one line here.
enum CommandRegistry {
    static let all: [CommandDefinition] = [
        SetCommand.definition,
        ShowCommand.definition,
        EchoCommand.definition,
        HelpCommand.definition,
        ResetCommand.definition,
        RunCommand.definition,
        StepCommand.definition,
        PlotCommand.definition,
        ModelCommand.load,
        ModelCommand.info,
        TokenizerCommand.load,
        TokenizerCommand.encode,
        TokenizerCommand.decode,
        DataCommand.load,
        DataCommand.template,
        DataCommand.shuffle,
        DataCommand.split,
        DataCommand.show,
        DataCommand.stats,
        QuantizeCommand.definition,
        LoraCommand.definition,
        TrainCommand.definition,
        GenerateCommand.definition,
        ChatCommand.definition,
        AdapterCommand.save,
        AdapterCommand.load,
        MergeCommand.definition,
        ExportCommand.definition,
        EvalCommand.definition,
        ServeCommand.definition,
        ExitCommand.definition,
    ]

    /// The binder over every command's spec.
    static let binder = CommandBinder(specs: all.map(\.spec))

    /// The definition for a spec the binder returned.
    static func definition(for spec: CommandSpec) -> CommandDefinition? {
        all.first { $0.spec.verb == spec.verb && $0.spec.subverb == spec.subverb }
    }
}
