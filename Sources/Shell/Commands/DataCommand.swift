import Foundation
import Runtime

/// `data load | template | shuffle | split | show | stats`: the data set of the session.
enum DataCommand {
    static let load = CommandDefinition(
        spec: CommandSpec(
            verb: "data", subverb: "load",
            summary: "Load a JSON, JSONL or CSV data set; every row is checked against its format now.",
            positionals: [.required("path", .existingPath, "The data file.")],
            options: [.optional("format", .choice(RowFormat.allCases.map(\.rawValue)),
                                "The row format (detected from the columns when not given)."),
                      .optional("map", .string, "Column mapping, canonical=column pairs: \"prompt=question,completion=answer\"."),
                      .optional("limit", .int, range: 1...Double(Int32.max), "Keep only the first N rows.")],
            examples: ["data load recipes/data/list-string-tasks.jsonl",
                       "data load qa.csv map=\"prompt=question,completion=answer\""]),
        run: { arguments, context in
            let mapping = try arguments.string("map").map { try ColumnMapping(parsing: $0) } ?? ColumnMapping()
            let format = arguments.string("format").flatMap(RowFormat.init(rawValue:))
            let data = try WorkingData.load(URL(fileURLWithPath: arguments.path("path")!), format: format, mapping: mapping,
                                            limit: arguments.int("limit"))
            context.session.set(.data, data)
            context.output.line("loaded \(data.summary)")
        })

    static let template = CommandDefinition(
        spec: CommandSpec(
            verb: "data", subverb: "template",
            summary: "Choose how rows become text: \(PromptTemplate.builtInNames.joined(separator: ", ")) (chat = the model's chat template) or a template file.",
            positionals: [.required("name", .string, "A built-in template name or a template file path.")],
            examples: ["data template gemma-turns", "data template chat", "data template recipes/my-template.txt"]),
        run: { arguments, context in
            var data = try context.session.requireData()
            let name = arguments.string("name")!
            // Resolve now so an unknown name or a bad file is reported at this line.
            _ = try PromptTemplate.resolve(name, renderer: context.session.value(.model)?.chatRenderer)
            data.templateSpec = name
            context.session.set(.data, data)
            context.output.line("template \(name)")
        })

    static let shuffle = CommandDefinition(
        spec: CommandSpec(
            verb: "data", subverb: "shuffle",
            summary: "Shuffle the rows in a seeded order (before `data split`).",
            options: [.optional("seed", .int, default: "42", range: 0...Double(UInt32.max), "The shuffle seed.")],
            examples: ["data shuffle seed=1234"]),
        run: { arguments, context in
            let data = try context.session.requireData().shuffled(seed: UInt64(arguments.int("seed")!))
            context.session.set(.data, data)
            context.output.line("shuffled \(data.table.rows.count) rows (seed \(arguments.int("seed")!))")
        })

    static let split = CommandDefinition(
        spec: CommandSpec(
            verb: "data", subverb: "split",
            summary: "Hold out test rows: a fraction (0.2) or a count (50).",
            options: [.optional("test", .float, default: "0.2", range: 0...1_000_000_000, "Fraction (< 1) or number of rows held out."),
                      .optional("seed", .int, default: "42", range: 0...Double(UInt32.max), "The split seed.")],
            examples: ["data split test=0.2 seed=1234", "data split test=50"]),
        run: { arguments, context in
            let size = arguments.double("test")!
            let split: TestSplitSize = size < 1 ? .fraction(size) : .count(Int(size))
            let data = try context.session.requireData().split(test: split, seed: UInt64(arguments.int("seed")!))
            context.session.set(.data, data)
            context.output.line("split: \(data.train.rows.count) train, \(data.test?.rows.count ?? 0) test")
        })

    static let show = CommandDefinition(
        spec: CommandSpec(
            verb: "data", subverb: "show",
            summary: "Show the first N training rows as the model sees them: [prompt] and <<completion>> (trained on).",
            positionals: [.optional("count", .int, default: "3", range: 1...1000, "How many rows.")],
            options: [.optional("max_len", .int, default: "1024", range: 2...1_000_000, "Truncate as training would.")],
            examples: ["data show 2"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let previews = try context.session.requireData().preview(count: arguments.int("count")!, model: model,
                                                                     maxLength: arguments.int("max_len")!)
            for preview in previews {
                var line = "row \(preview.index) (line \(preview.line)): \(preview.tokens.count) tokens, \(preview.supervisedCount) trained"
                if let dropped = preview.dropped { line += " -- dropped: \(dropped)" }
                context.output.line(line)
                context.output.line(preview.spans.map { $0.supervised ? "<<\($0.text)>>" : $0.text }.joined())
            }
        })

    static let stats = CommandDefinition(
        spec: CommandSpec(
            verb: "data", subverb: "stats",
            summary: "Token statistics of the training rows: lengths, trained tokens, dropped and truncated rows.",
            options: [.optional("max_len", .int, default: "1024", range: 2...1_000_000, "Truncate as training would.")],
            examples: ["data stats max_len=512"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let set = try context.session.requireData().tokenized(.train, model: model, maxLength: arguments.int("max_len")!)
            let stats = set.stats
            context.output.table(["statistic", "value"], [
                ["examples", String(stats.examples)],
                ["dropped", String(stats.dropped)],
                ["tokens", String(stats.totalTokens)],
                ["trained tokens", String(stats.supervisedTokens)],
                ["mean length", String(format: "%.1f", stats.meanLength)],
            ] + stats.lengthPercentiles.map { ["length p\($0.percent)", String($0.length)] })
            for warning in set.summary.warnings { context.output.error("warning: \(warning)") }
        })
}
