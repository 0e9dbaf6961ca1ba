import Foundation

/// `sft notebook run NOTEBOOK [-o OUT] [--allow-errors] [key=value ...]`.
enum NotebookCommand {
    static let usage = """
        usage: sft notebook run NOTEBOOK.ipynb [-o OUT.ipynb] [--allow-errors] [key=value ...]
          Executes each code cell (commands) in one session and writes the notebook with its outputs
          (default OUT: NOTEBOOK.out.ipynb). A failing cell stops the run unless --allow-errors;
          key=value replaces the notebook's own `set` of that variable.
        """

    static func main(_ arguments: [String]) -> Int32 {
        let output = Output.standard()
        guard arguments.first == "run" else {
            output.error(arguments.isEmpty ? usage : "sft notebook: unknown subcommand '\(arguments[0])'\n\(usage)")
            return 2
        }
        var runner = NotebookRunner()
        var input: String?
        var destination: String?
        var words = Array(arguments.dropFirst())[...]
        var column = 2
        while let word = words.popFirst() {
            column += 1
            switch word {
            case "-o", "--output":
                guard let path = words.popFirst() else {
                    output.error("sft notebook run: -o needs a file\n\(usage)")
                    return 2
                }
                destination = path
            case "--allow-errors":
                runner.continueOnError = true
            case _ where word.hasPrefix("-"):
                output.error("sft notebook run: unknown option '\(word)'\n\(usage)")
                return 2
            case _ where word.contains("="):
                let equals = word.firstIndex(of: "=")!
                runner.overrides.append((String(word[..<equals]), String(word[word.index(after: equals)...]),
                                         SourceLocation(file: "<command line>", line: 1, column: column)))
            case _ where input == nil:
                input = word
            default:
                output.error("sft notebook run: unexpected argument '\(word)'\n\(usage)")
                return 2
            }
        }
        guard let input else {
            output.error("sft notebook run: expected a notebook file\n\(usage)")
            return 2
        }
        let target = destination ?? (input.hasSuffix(".ipynb") ? String(input.dropLast(6)) : input) + ".out.ipynb"
        Interrupt.install()
        Interrupt.setCommandRunning(true)
        do {
            let result = try runner.run(path: input)
            try NotebookFile.write(result.notebook, to: target)
            output.line("wrote \(target)" + (result.failedCells > 0 ? " (\(result.failedCells) cell(s) failed)" : ""))
            return result.failedCells > 0 ? 1 : 0
        } catch {
            output.error(String(describing: error))
            return 1
        }
    }
}
