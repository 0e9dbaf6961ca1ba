import Foundation

/// A recipe file's commands, parsed and checked as a whole before any of them runs.
struct Recipe {
    var file: String
    var commands: [ParsedCommand]

    /// Reads and parses `file`; a missing file or a syntax error throws a `LanguageError`.
    static func load(_ file: String) throws(LanguageError) -> Recipe {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read as UTF-8 text" : "does not exist"
            throw LanguageError("recipe '\(file)' \(reason)", at: SourceLocation(file: file, line: 1, column: 1))
        }
        return Recipe(file: file, commands: try ParsedCommand.parse(text, file: file))
    }

    /// Every problem found without running anything: unknown verbs, subverbs and argument
    /// names, values of the wrong type, references to variables that nothing defines.
    /// `known` are the names defined before the recipe starts (session, built-ins, environment,
    /// overrides); each `set` adds its names for the lines after it.
    func check(known: Set<String>, binder: CommandBinder = CommandRegistry.binder, limit: Int = 20) -> [LanguageError] {
        var known = known
        var problems: [LanguageError] = []
        for command in commands {
            do {
                let (spec, arguments) = try binder.bind(command, scope: .names(known))
                if spec.verb == SetCommand.definition.spec.verb {
                    known.formUnion(arguments.extraOptions.map(\.key))
                }
            } catch {
                problems.append(error)
                if problems.count >= limit { break }
            }
        }
        return problems
    }

    /// Every variable name the recipe sets or refers to.
    var variableNames: Set<String> {
        var names = Set<String>()
        for command in commands {
            if command.verb == SetCommand.definition.spec.verb {
                for case .named(let key, _, _) in command.arguments { names.insert(key) }
            }
            for argument in command.arguments {
                switch argument {
                case .positional(let word): names.formUnion(word.variables.map(\.name))
                case .named(_, _, let word): names.formUnion(word.variables.map(\.name))
                }
            }
        }
        return names
    }
}

/// A recipe that failed its check: every problem, one per line.
struct RecipeCheckFailure: Error, CustomStringConvertible {
    var problems: [LanguageError]

    var description: String { problems.map(\.description).joined(separator: "\n") }
}
