import Foundation

/// A recipe being run: its file, and the `key=value` overrides that replace its `set` values.
struct RecipeFrame {
    var file: String
    var overrides: [String: String]
}

/// Everything a running command can reach: the session, the output, the reader that answers
/// `--step` prompts, and the recipes being run (innermost last).
final class CommandContext {
    let session: Session
    let output: Output
    var reader: LineReader
    var recipes: [RecipeFrame] = []

    init(session: Session = Session(), output: Output, reader: LineReader) {
        self.session = session
        self.output = output
        self.reader = reader
    }

    /// Built-in variables: `recipe_dir` and `recipe` (the innermost running recipe).
    var builtinVariables: [String: String] {
        guard let file = recipes.last?.file else { return [:] }
        let url = URL(fileURLWithPath: file)
        return ["recipe": file, "recipe_dir": url.deletingLastPathComponent().path]
    }

    /// `$name` resolves to a session variable, then a built-in, then an environment variable.
    var variableScope: VariableScope {
        .values(names: { [session, builtinVariables] in Array(session.variables.keys) + Array(builtinVariables.keys) },
                lookup: { [session, builtinVariables] name in
                    session.variables[name] ?? builtinVariables[name] ?? ProcessInfo.processInfo.environment[name]
                })
    }

    /// Whether a recipe override pins this variable (its `set` in the recipe is then ignored).
    func isOverridden(_ name: String) -> Bool {
        recipes.contains { $0.overrides[name] != nil }
    }

    /// Binds and runs one command. Parse/validation errors are `LanguageError`s; errors of the
    /// command itself come back as `CommandFailure` with its location; `ExitRequest` passes through.
    func execute(_ command: ParsedCommand) throws {
        let (spec, arguments) = try CommandRegistry.binder.bind(command, scope: variableScope)
        guard let definition = CommandRegistry.definition(for: spec) else {
            preconditionFailure("no definition registered for '\(spec.fullName)'")
        }
        do {
            try definition.run(arguments, self)
        } catch let error as ExitRequest {
            throw error
        } catch let error as LanguageError {
            throw error
        } catch let error as CommandFailure {
            throw error
        } catch let error as RecipeCheckFailure {
            throw error
        } catch let error as ArgumentProblem {
            throw LanguageError(error.message, at: error.location ?? command.location)
        } catch {
            throw CommandFailure(location: command.location, command: spec.fullName, underlying: error)
        }
    }

    /// Parses and runs text typed at a prompt (`file` names it in errors, e.g. `<repl>`).
    func execute(text: String, file: String, line: Int = 1) throws {
        for command in try ParsedCommand.parse(text, file: file, firstLine: line) {
            try execute(command)
        }
    }
}
