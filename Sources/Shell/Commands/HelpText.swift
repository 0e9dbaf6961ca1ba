/// Help generated from the command specs: the verb list, one command's reference, and the
/// reference section of docs/language.md (a test keeps the document equal to it).
enum HelpText {
    /// `help`: every command with its summary.
    static func overview(_ specs: [CommandSpec]) -> String {
        let width = specs.map(\.fullName.count).max() ?? 0
        var lines = ["Commands (help VERB for arguments and an example):"]
        for spec in specs {
            let name = spec.fullName.padding(toLength: width, withPad: " ", startingAt: 0)
            let aliases = spec.aliases.isEmpty ? "" : " (also: \(spec.aliases.joined(separator: ", ")))"
            lines.append("  \(name)  \(spec.summary)\(aliases)")
        }
        lines.append("")
        lines.append("Syntax: verb [subverb] [positional ...] [key=value ...]; set x = 1 and $x / ${x}; # comments; a trailing \\ continues a line.")
        return lines.joined(separator: "\n")
    }

    /// `help VERB`: usage, arguments with types and defaults, examples.
    static func command(_ spec: CommandSpec) -> String {
        var lines = [usage(spec), "  \(spec.summary)"]
        if !spec.aliases.isEmpty { lines.append("  Also: \(spec.aliases.joined(separator: ", "))") }
        let arguments = spec.allArguments
        if !arguments.isEmpty {
            lines.append("Arguments:")
            let nameWidth = arguments.map(\.name.count).max()!
            let typeWidth = arguments.map(\.type.name.count).max()!
            for argument in arguments {
                let requirement = argument.isRequired ? "required"
                    : argument.defaultValue.map { "default \($0)" } ?? "optional"
                var range = ""
                if let r = argument.range { range = " [\(number(r.lowerBound))..\(number(r.upperBound))]" }
                let name = argument.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                let type = argument.type.name.padding(toLength: typeWidth, withPad: " ", startingAt: 0)
                lines.append("  \(name)  \(type)  \(argument.help) (\(requirement)\(range))")
            }
        }
        if let other = spec.otherOptions { lines.append("  \(other)") }
        if !spec.examples.isEmpty {
            lines.append("Example\(spec.examples.count > 1 ? "s" : ""):")
            lines += spec.examples.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// `verb [subverb] FILE [NAME] [key=type] [name=value ...]`.
    static func usage(_ spec: CommandSpec) -> String {
        var words = [spec.fullName]
        for (i, positional) in spec.positionals.enumerated() {
            let rest = spec.lastPositionalTakesRest && i == spec.positionals.count - 1 ? " ..." : ""
            let name = positional.name.uppercased() + rest
            words.append(positional.isRequired ? name : "[\(name)]")
        }
        for option in spec.options {
            words.append(option.isRequired ? "\(option.name)=\(option.type.name)" : "[\(option.name)=\(option.type.name)]")
        }
        if spec.acceptsAnyOption { words.append("[name=value ...]") }
        return words.joined(separator: " ")
    }

    /// The verb reference of docs/language.md: each command's help in a code block.
    static func reference(_ specs: [CommandSpec]) -> String {
        specs.map { spec in "### \(spec.fullName)\n\n```\n\(command(spec))\n```\n" }.joined(separator: "\n")
    }

    private static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
