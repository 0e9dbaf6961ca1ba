import Foundation
import Runtime

/// `train [...]`: the SFT loop on the session's model and data, with a progress bar, clean
/// Ctrl-C (checkpoint saved), and the loss curve as a chart and an SVG beside the checkpoints.
enum TrainCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "train",
            summary: "Fine-tune the model on the training rows (apply `lora` first); evaluates on the test rows before and after.",
            options: [.optional("epochs", .float, default: "1", range: 0...10_000, "Passes over the training rows."),
                      .optional("max_steps", .int, default: "0", range: 0...100_000_000, "Stop after this many optimizer steps (0: epochs decide)."),
                      .optional("lr", .float, default: "2e-5", range: 0...10, "Peak learning rate."),
                      .optional("batch", .int, default: "4", range: 1...100_000, "Rows per micro-batch."),
                      .optional("grad_accum", .int, default: "1", range: 1...100_000, "Micro-batches per optimizer step."),
                      .optional("max_len", .int, default: "1024", range: 2...1_000_000, "Longest sequence in tokens (longer rows are truncated)."),
                      .optional("packing", .bool, default: "false", "Pack rows into max_len sequences (no cross-row attention)."),
                      .optional("schedule", .choice(TrainingConfig.Schedule.allCases.map(\.rawValue)), default: "linear", "Learning-rate schedule."),
                      .optional("warmup", .float, default: "0", range: 0...100_000_000, "Warm-up steps, or a fraction of all steps when < 1."),
                      .optional("logging", .int, default: "10", range: 1...100_000_000, "Log the mean loss every this many steps."),
                      .optional("eval_every", .int, default: "0", range: 0...100_000_000, "Evaluate on the test rows every this many steps (0: at the end)."),
                      .optional("save_every", .int, default: "500", range: 0...100_000_000, "Save a checkpoint every this many steps."),
                      .optional("keep", .int, default: "0", range: 0...100_000, "Keep only the newest N checkpoints (0: all)."),
                      .optional("out", .path, default: "out", "Folder for checkpoints, trainer_state.json and loss.svg."),
                      .optional("resume", .existingPath, "Resume from a checkpoint folder (or the newest one in an output folder)."),
                      .optional("seed", .int, default: "42", range: 0...Double(UInt32.max), "Seed of data order and dropout.")],
            examples: ["train epochs=3 lr=2e-4 batch=4 grad_accum=4 max_len=512 out=out/code-gen",
                       "train max_steps=20 lr=1e-3 logging=5", "train resume=out/code-gen"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let data = try context.session.requireData()
            let settings = trainingSettings(arguments)
            let reporter = ProgressReporter(output: context.output, label: "train")
            let started = Date()
            var lastSnapshot: ProgressSnapshot?
            let run = try model.train(on: data, settings: settings) { event in
                switch event {
                case let .progress(step, total, loss, tokensPerSecond):
                    let snapshot = ProgressSnapshot(step: step, totalSteps: total, loss: loss, tokensPerSecond: tokensPerSecond,
                                                    elapsed: Date().timeIntervalSince(started))
                    reporter.update(snapshot)
                    lastSnapshot = snapshot
                case let .log(entry):
                    if !context.output.isTerminal { break }
                    reporter.note("step \(entry.step): loss \(format(entry.loss)), lr \(entry.learningRate.map { String(format: "%.3g", $0) } ?? "-")")
                case let .evaluation(entry):
                    reporter.note("step \(entry.step): eval loss \(format(entry.evalLoss))")
                case let .checkpointSaved(url):
                    reporter.note("saved checkpoint \(url.path)")
                }
                return Interrupt.requested ? .stop : .proceed
            }
            if let lastSnapshot { reporter.finish(lastSnapshot) }
            render(run, settings: settings, context: context)
        })

    static func trainingSettings(_ arguments: Arguments) -> TrainingSettings {
        var settings = TrainingSettings()
        var config = TrainingConfig()
        config.epochs = arguments.double("epochs")!
        config.maxSteps = arguments.int("max_steps")!
        config.learningRate = arguments.double("lr")!
        config.gradientAccumulation = arguments.int("grad_accum")!
        config.schedule = TrainingConfig.Schedule(rawValue: arguments.string("schedule")!)!
        let warmup = arguments.double("warmup")!
        if warmup < 1 { config.warmupRatio = warmup } else { config.warmupSteps = Int(warmup) }
        config.loggingSteps = arguments.int("logging")!
        config.evalSteps = arguments.int("eval_every")!
        config.saveSteps = arguments.int("save_every")!
        config.saveTotalLimit = arguments.int("keep")!
        config.seed = UInt64(arguments.int("seed")!)
        settings.config = config
        settings.batchSize = arguments.int("batch")!
        settings.maxLength = arguments.int("max_len")!
        settings.packing = arguments.bool("packing")!
        settings.outputDir = URL(fileURLWithPath: arguments.path("out")!)
        settings.resume = arguments.path("resume").map { URL(fileURLWithPath: $0) }
        return settings
    }

    /// The summary after a run: losses before/after, the curve, where things were written.
    static func render(_ run: TrainingRun, settings: TrainingSettings, context: CommandContext) {
        let state = run.outcome.state
        let output = context.output
        if run.outcome.stoppedEarly { output.line("stopped at step \(state.globalStep) of \(state.maxSteps) (interrupted)") }
        var metrics: [(name: String, value: String)] = [("steps", String(state.globalStep)), ("examples", String(run.trainExamples))]
        if let loss = state.logHistory.last(where: { $0.loss != nil })?.loss { metrics.append(("train_loss", format(loss))) }
        if let before = run.evalLossBefore { metrics.append(("eval_loss_before", format(before))) }
        if let after = run.evalLossAfter { metrics.append(("eval_loss_after", format(after))) }
        output.table(["metric", "value"], metrics.map { [$0.name, $0.value] })
        context.session.set(.metrics, LastMetrics(values: metrics))
        let series = lossSeries(state.logHistory)
        if !series.isEmpty {
            output.chart(series, title: "loss")
            if let dir = settings.outputDir {
                let svg = dir.appendingPathComponent("loss.svg").path
                do {
                    try SVGChart.write(series, to: svg)
                    output.line("loss plot: \(svg)")
                } catch {
                    output.error("warning: could not write \(svg): \(error)")
                }
            }
        }
        if let stateFile = run.stateFile { output.line("metrics: \(stateFile.path)") }
        if let checkpoint = run.outcome.lastCheckpoint { output.line("checkpoint: \(checkpoint.path)") }
    }

    static func lossSeries(_ history: [LogEntry]) -> [ChartSeries] {
        let train = history.compactMap { e in e.loss.map { ChartPoint(x: Double(e.step), y: $0) } }
        let eval = history.compactMap { e in e.evalLoss.map { ChartPoint(x: Double(e.step), y: $0) } }
        return [ChartSeries(name: "train", points: train), ChartSeries(name: "eval", points: eval)].filter { !$0.points.isEmpty }
    }

    static func format(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
}
