/// One command of the language: its grammar and what it does. A verb file declares one (or one
/// per subverb) and `CommandRegistry.all` lists it:
///
///     enum EchoCommand {
///         static let definition = CommandDefinition(
///             spec: CommandSpec(verb: "echo", summary: "...", positionals: [...]),
///             run: { arguments, context in context.output.line(...) })
///     }
///
/// `run` receives arguments already validated against `spec`; it calls one runtime function and
/// renders the result. Errors it throws stop a recipe and are shown with the command's location.
struct CommandDefinition: Sendable {
    var spec: CommandSpec
    var run: @Sendable (Arguments, CommandContext) throws -> Void
}

/// Thrown by `exit`/`quit`: ends the REPL or the recipe run with this status.
struct ExitRequest: Error, Sendable {
    var status: Int32
}

/// A command that failed while running (after it parsed and validated): where, which, why.
struct CommandFailure: Error, CustomStringConvertible {
    var location: SourceLocation
    var command: String
    var underlying: any Error

    var description: String {
        "\(location): error: \(command): \(String(describing: underlying))"
    }
}

/// An error a verb throws for a problem it finds in its own arguments (a file that does not
/// exist, a value that conflicts with another): shown at the argument's location.
struct ArgumentProblem: Error, CustomStringConvertible {
    var message: String
    var location: SourceLocation?

    var description: String { message }
}
