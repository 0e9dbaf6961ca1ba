import Foundation
import Runtime

/// `eval DATA model=PATH [adapter=DIR] [compare=base] ...`: loss, perplexity and text metrics of
/// greedy answers on a data file; a table, `metrics.json` and `predictions.jsonl` in `out`.
enum EvalCommand {
    static let metricNames = TextMetric.allCases.map(\.rawValue)

    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "eval",
            summary: "Evaluate a model (and adapter) on a data file: loss and perplexity (whole sequence and completion only) and metrics of its greedy answers; writes metrics.json and predictions.jsonl.",
            positionals: [.required("data", .existingPath, "A JSON/JSONL/CSV file of prompt/completion, instruction/output or messages rows.")],
            options: [
                .required("model", .existingPath, "An HF model folder or a .gguf file."),
                .optional("adapter", .existingPath, "A PEFT adapter folder to apply."),
                .optional("compare", .choice(["base"]), "compare=base: also evaluate the model without the adapter, in one table."),
                weightsOption,
                .optional("template", .string, "Prompt template: a built-in name or a template file (default: chat when the model has a chat template, else alpaca)."),
                .optional("metrics", .list(.choice(metricNames + ["all", "none"])), default: "exact_match,token_f1,bleu,chrf,rouge1,rouge2,rougeL",
                          "Text metrics of the generated answers ('none': loss and perplexity only)."),
                .optional("normalize", .choice(["lenient", "strict", "squad"]), default: "lenient",
                          "Exact match / label normalization: lenient (strip, case, whitespace), strict (as is), squad."),
                .optional("max_new_tokens", .int, default: "128", range: 1...100_000, "Most tokens generated per answer."),
                .optional("max_len", .int, default: "1024", range: 2...1_000_000, "Longest sequence scored for loss (longer ones are cut)."),
                .optional("batch", .int, default: "4", range: 1...1024, "Rows per forward pass when scoring losses."),
                .optional("limit", .int, range: 1...10_000_000, "Evaluate only the first N rows."),
                .optional("out", .path, default: "out/eval", "Folder for metrics.json and predictions.jsonl (per model with compare=base)."),
            ],
            examples: ["eval data/test.jsonl model=models/smollm2 adapter=out/checkpoint-200 compare=base",
                       "eval data/test.jsonl model=SmolLM2-135M-Instruct.Q4_1.gguf weights=packed limit=100",
                       "eval data/test.jsonl model=models/smollm2 metrics=accuracy,macro_f1 limit=200"]),
        run: { arguments, context in
            let modelURL = URL(fileURLWithPath: arguments.path("model")!)
            let adapter = arguments.path("adapter").map { URL(fileURLWithPath: $0) }
            if arguments.string("compare") != nil && adapter == nil {
                throw ArgumentProblem(message: "compare=base compares the model with and without an adapter: give adapter=DIR",
                                      location: arguments.location(of: "compare"))
            }
            let dataPath = arguments.path("data")!
            var examples = try DataTable.load(URL(fileURLWithPath: dataPath)).examples()
            if let limit = arguments.int("limit") { examples = Array(examples.prefix(limit)) }
            let settings = EvalSettings(arguments)
            let out = URL(fileURLWithPath: arguments.path("out")!)

            let weights = weightStorage(arguments)
            let candidate = try InferenceModel.load(model: modelURL, adapter: adapter, template: arguments.string("template"),
                                                    weights: weights)
            guard arguments.string("compare") != nil else {
                let result = try evaluate(candidate, examples: examples, dataset: dataPath, settings: settings, output: context.output)
                try result.report.write(to: out, predictions: result.predictions)
                context.output.table(["metric", candidate.name], result.report.metrics.map { [$0.name, format($0.value, $0.name)] })
                context.output.line("\(result.report.exampleCount) examples; wrote \(out.path)/\(EvalReport.metricsFileName) and \(EvalReport.predictionsFileName)")
                return
            }
            let base = try InferenceModel.load(model: modelURL, template: arguments.string("template"),
                                               name: "base \(modelURL.lastPathComponent)", weights: weights)
            let baseResult = try evaluate(base, examples: examples, dataset: dataPath, settings: settings, output: context.output)
            let candidateResult = try evaluate(candidate, examples: examples, dataset: dataPath, settings: settings, output: context.output)
            try baseResult.report.write(to: out.appendingPathComponent("base"), predictions: baseResult.predictions)
            try candidateResult.report.write(to: out.appendingPathComponent("adapter"), predictions: candidateResult.predictions)
            let comparison = EvalComparison(base: baseResult.report, candidate: candidateResult.report)
            try writeComparison(comparison, to: out.appendingPathComponent("comparison.json"))
            context.output.table(["metric", "base", "adapter", "delta", ""], comparison.rows.map { row in
                [row.name, row.base.map { format($0, row.name) } ?? "-", row.candidate.map { format($0, row.name) } ?? "-",
                 row.delta.map { (($0 >= 0) ? "+" : "") + format($0, row.name) } ?? "-",
                 row.candidateIsBetter.map { $0 ? "better" : "worse" } ?? ""]
            })
            context.output.line("\(candidateResult.report.exampleCount) examples; wrote \(out.path)/{base,adapter}/ and comparison.json")
        })

    /// What the arguments ask of every evaluated model.
    struct EvalSettings {
        var metrics: [TextMetric]
        var generate: Bool
        var normalization: TextMatch.Normalization
        var maxNewTokens: Int
        var maxLength: Int
        var batch: Int

        init(_ arguments: Arguments) {
            let names = arguments.list("metrics") ?? []
            metrics = names.contains("all") ? TextMetric.allCases : names.compactMap(TextMetric.init(rawValue:))
            generate = !metrics.isEmpty
            switch arguments.string("normalize") {
            case "strict": normalization = []
            case "squad": normalization = .squad
            default: normalization = .lenient
            }
            maxNewTokens = arguments.int("max_new_tokens")!
            maxLength = arguments.int("max_len")!
            batch = arguments.int("batch")!
        }
    }

    static func evaluate(_ model: InferenceModel, examples: [SourceExample], dataset: String, settings: EvalSettings,
                         output: Output) throws -> Evaluation.Result {
        var options = model.defaults
        options.maxNewTokens = settings.maxNewTokens
        options.temperature = 0
        var lastShown = Date()
        return try ModelEvaluation.run(
            model: model.network, tokenizer: model.tokenizer, examples: examples, template: model.promptTemplate,
            name: model.name, dataset: dataset, metrics: settings.metrics, normalization: settings.normalization,
            generation: settings.generate ? options : nil, maxLength: settings.maxLength, batchSize: settings.batch
        ) { progress in
            if Date().timeIntervalSince(lastShown) > 5 {
                lastShown = Date()
                output.line("eval \(model.name): \(progress.done)/\(progress.total)")
            }
            return !Interrupt.requested
        }
    }

    /// BLEU and chrF are 0...100 (two decimals, as sacrebleu prints them); the rest four decimals.
    static func format(_ value: Double, _ name: String) -> String {
        String(format: name == "bleu" || name == "chrf" ? "%.2f" : "%.4f", value)
    }

    static func writeComparison(_ comparison: EvalComparison, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(comparison).write(to: url, options: .atomic)
    }
}
