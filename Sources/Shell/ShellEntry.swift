/// `sft [run FILE [--step] [key=value ...] | help [VERB]]`: the command language's entry points.
/// With no arguments, the REPL (line editing on a terminal; plain lines from a pipe).
import Foundation
import Runtime

let versionString = SFTVersion.string

enum ShellEntry {
    static let usage = """
        usage: sft                                    the REPL (or commands piped on stdin)
               sft run RECIPE [--step] [key=value ...] run a recipe; overrides replace its set values
               sft notebook run NB.ipynb [-o OUT]     execute a notebook's cells, write it with outputs
               sft help [VERB]                        the commands, or one command's arguments
               sft VERB [args ...]                    one command, e.g. sft serve MODEL port=8080
               sft bench [NAME ...]                   microbenchmarks
               sft --version
        """

    static func main(_ arguments: [String]) -> Int32 {
        let output = Output.standard()
        guard let first = arguments.first else {
            Interrupt.install()
            let interactive = isatty(0) == 1
            let context = CommandContext(output: output, reader: PipedLineReader())
            if interactive {
                let reader = EditLineReader(historyFile: EditLineReader.defaultHistoryFile)
                reader.variableNames = { [session = context.session] in Array(session.variables.keys) }
                context.reader = reader
            }
            return REPL.run(context: context, interactive: interactive)
        }
        switch first {
        case "run":
            return runRecipe(Array(arguments.dropFirst()), output: output)
        case "help", "--help", "-h":
            let context = CommandContext(output: output, reader: PipedLineReader())
            let words = arguments.dropFirst().map { "'\($0.replacingOccurrences(of: "'", with: ""))'" }
            if words.isEmpty { output.line(usage + "\n") }
            return run(["help"] + words, file: "<command line>", context: context)
        case _ where CommandRegistry.all.contains { $0.spec.verb == first || $0.spec.aliases.contains(first) }:
            // `sft serve MODEL port=8080`, `sft eval DATA model=...`: one command from the argv.
            Interrupt.install()
            Interrupt.setCommandRunning(true)
            let context = CommandContext(output: output, reader: PipedLineReader())
            return run(arguments.map(commandWord), file: "<command line>", context: context)
        default:
            let verbs = ["run", "notebook", "help", "bench", "version"] + CommandRegistry.all.map(\.spec.verb)
            let hint = closestWord(to: first, in: verbs).map { " (did you mean '\($0)'?)" } ?? ""
            output.error("sft: unknown command '\(first)'\(hint)\n\(usage)")
            return 2
        }
    }

    /// `sft run RECIPE [--step] [key=value ...]`.
    static func runRecipe(_ arguments: [String], output: Output) -> Int32 {
        var file: String?
        var stepping = false
        var overrides: [(key: String, value: String, location: SourceLocation)] = []
        for (index, argument) in arguments.enumerated() {
            let location = SourceLocation(file: "<command line>", line: 1, column: index + 1)
            if argument == "--step" {
                stepping = true
            } else if argument.hasPrefix("-") {
                let hint = closestWord(to: argument, in: ["--step"]).map { " (did you mean '\($0)'?)" } ?? ""
                output.error("sft run: unknown option '\(argument)'\(hint)\n\(usage)")
                return 2
            } else if let equals = argument.firstIndex(of: "="), isName(String(argument[..<equals]), allowDash: false) {
                overrides.append((String(argument[..<equals]), String(argument[argument.index(after: equals)...]), location))
            } else if file == nil {
                file = argument
            } else {
                output.error("sft run: unexpected argument '\(argument)'; overrides are written key=value\n\(usage)")
                return 2
            }
        }
        guard let file else {
            output.error("sft run: expected a recipe file\n\(usage)")
            return 2
        }
        Interrupt.install()
        Interrupt.setCommandRunning(true)
        let context = CommandContext(output: output, reader: PipedLineReader())
        if stepping && isatty(0) == 1 {
            let reader = EditLineReader(historyFile: EditLineReader.defaultHistoryFile)
            reader.variableNames = { [session = context.session] in Array(session.variables.keys) }
            context.reader = reader
        }
        do {
            try RecipeRunner.run(file: file, overrides: overrides, stepping: stepping, context: context)
            return 0
        } catch let request as ExitRequest {
            return request.status
        } catch {
            output.error(String(describing: error))
            return 1
        }
    }

    /// A word the system shell already split, written back in the command language: as it is
    /// when it has nothing the language would read specially, else its value quoted (a
    /// `key=value` keeps its key unquoted, so options still bind).
    static func commandWord(_ word: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:,=+@%~-")
        if word.allSatisfy({ plain.contains($0) }) && !word.isEmpty { return word }
        if let equals = word.firstIndex(of: "="), isName(String(word[..<equals]), allowDash: false) {
            return String(word[...equals]) + quoted(String(word[word.index(after: equals)...]))
        }
        return quoted(word)
    }

    private static func quoted(_ text: String) -> String {
        if !text.contains("'") { return "'" + text + "'" }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "$", with: "\\$")
        return "\"" + escaped + "\""
    }

    /// Runs one command given as words (already split by the system shell).
    private static func run(_ words: [String], file: String, context: CommandContext) -> Int32 {
        do {
            try context.execute(text: words.joined(separator: " "), file: file)
            return 0
        } catch {
            context.output.error(String(describing: error))
            return 1
        }
    }
}
