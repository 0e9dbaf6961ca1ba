/// `plot FILE [svg=PATH]`: the loss curves of a run as a terminal chart, optionally as SVG.
enum PlotCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "plot",
            summary: "Plot the train and eval loss of a run (its trainer_state.json) in the terminal, and optionally as an SVG file.",
            positionals: [.required("file", .existingPath, "A trainer_state.json (in a checkpoint folder).")],
            options: [.optional("svg", .path, "Also write the chart to this SVG file."),
                      .optional("width", .int, default: "60", range: 10...400, "Chart width in characters."),
                      .optional("height", .int, default: "12", range: 3...100, "Chart height in lines.")],
            examples: ["plot out/checkpoint-500/trainer_state.json svg=out/loss.svg"]),
        run: { arguments, context in
            let series = try LossHistory.read(arguments.path("file")!)
            guard !series.isEmpty else {
                throw ArgumentProblem(message: "\(arguments.path("file")!) has no loss values in its log_history",
                                      location: arguments.location(of: "file"))
            }
            context.output.chart(series, title: "loss", width: arguments.int("width")!, height: arguments.int("height")!)
            if let svg = arguments.path("svg") {
                try SVGChart.write(series, to: svg)
                context.output.line("wrote \(svg)")
            }
        })
}
