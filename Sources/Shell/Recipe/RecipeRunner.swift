import Foundation

/// Runs a recipe in a session: checks it whole, applies overrides, then runs each command in
/// order, stopping at the first failure (which carries its file:line:col). With `stepping`, asks
/// before each command: Enter runs it, `s` skips, `q` stops, any other line runs as a command
/// against the same session and the question is asked again.
enum RecipeRunner {
    /// Recipes may run recipes; this bounds accidental recursion.
    static let maximumDepth = 16

    static func run(file: String, overrides: [(key: String, value: String, location: SourceLocation)],
                    stepping: Bool, context: CommandContext) throws {
        guard context.recipes.count < maximumDepth else {
            throw ArgumentProblem(message: "recipes nested more than \(maximumDepth) deep (does '\(file)' run itself?)",
                                  location: nil)
        }
        let recipe = try Recipe.load(file)
        for override in overrides where !isName(override.key, allowDash: false) {
            throw LanguageError("'\(override.key)' is not a variable name; overrides are written name=value",
                                at: override.location)
        }
        let mentioned = recipe.variableNames
        for override in overrides where !mentioned.contains(override.key) {
            let hint = closestWord(to: override.key, in: Array(mentioned)).map { " (did you mean '\($0)'?)" } ?? ""
            context.output.error("warning: override '\(override.key)' is not used by \(file)\(hint)")
        }

        context.recipes.append(RecipeFrame(file: file, overrides: Dictionary(overrides.map { ($0.key, $0.value) },
                                                                            uniquingKeysWith: { $1 })))
        defer { context.recipes.removeLast() }
        for override in overrides { context.session.setVariable(override.key, override.value) }

        let known = Set(context.session.variables.keys).union(context.builtinVariables.keys)
        let problems = recipe.check(known: known)
        guard problems.isEmpty else { throw RecipeCheckFailure(problems: problems) }

        for command in recipe.commands {
            if Interrupt.requested {
                throw LanguageError("interrupted before this command", at: command.location)
            }
            if stepping {
                do {
                    guard try ask(before: command, context: context) else { continue }
                } catch is StepStop {
                    return
                }
            }
            try context.execute(command)
        }
    }

    /// Shows the next command and handles answers until one says run (true) or skip (false);
    /// `q`, Ctrl-C or the end of input throw `StepStop`.
    private static func ask(before command: ParsedCommand, context: CommandContext) throws -> Bool {
        let output = context.output
        output.line("-> \(command.location.file):\(command.location.line): \(command.text.trimmingCharacters(in: .whitespaces))")
        while true {
            switch context.reader.readLine(prompt: "step (Enter run, s skip, q stop, or a command)> ") {
            case .end:
                output.line("stopped: no more input")
                throw StepStop()
            case .interrupted:
                output.line("stopped")
                throw StepStop()
            case .line(let answer):
                let trimmed = answer.trimmingCharacters(in: .whitespaces)
                switch trimmed {
                case "": return true
                case "s", "skip":
                    output.line("skipped")
                    return false
                case "q", "quit", "stop":
                    output.line("stopped before \(command.location.file):\(command.location.line)")
                    throw StepStop()
                default:
                    context.reader.addHistory(trimmed)
                    do {
                        try context.execute(text: trimmed, file: "<step>")
                    } catch let error as ExitRequest {
                        throw error
                    } catch {
                        output.error(String(describing: error))
                    }
                }
            }
        }
    }
}

/// The user stopped a stepped recipe; not a failure.
struct StepStop: Error {}
