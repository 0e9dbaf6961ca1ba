import Foundation

/// How `$name` references are treated while binding.
enum VariableScope {
    /// Resolve now: the lookup returns a variable's value (session, then environment) or nil.
    case values(names: () -> [String], lookup: (String) -> String?)
    /// Check only (a recipe before it runs): these names (and environment variables) will exist;
    /// a value containing a reference is not type-checked, everything else is.
    case names(Set<String>)
}

/// Binds a parsed command to its verb's spec: finds the verb and subverb, assigns positional
/// and named arguments, substitutes variables and checks every value's type.
struct CommandBinder {
    var specs: [CommandSpec]

    /// Every verb name and alias.
    var verbs: [String] {
        var seen = Set<String>()
        return specs.flatMap { [$0.verb] + $0.aliases }.filter { seen.insert($0).inserted }
    }

    /// The subverbs of `verb` (empty when it takes none).
    func subverbs(of verb: String) -> [String] {
        specs.filter { $0.verb == verb || $0.aliases.contains(verb) }.compactMap(\.subverb)
    }

    /// The spec the command names, and its arguments after the subverb.
    func spec(for command: ParsedCommand) throws(LanguageError) -> (CommandSpec, ArraySlice<ParsedArgument>) {
        let candidates = specs.filter { $0.verb == command.verb || $0.aliases.contains(command.verb) }
        guard let first = candidates.first else {
            throw LanguageError("unknown verb '\(command.verb)'; 'help' lists the verbs", at: command.verbLocation,
                                suggestion: closestWord(to: command.verb, in: verbs))
        }
        var arguments = command.arguments[...]
        guard first.subverb != nil else { return (first, arguments) }
        let names = candidates.compactMap(\.subverb)
        guard case .positional(let word)? = arguments.first else {
            let where_ = arguments.first.map(location(of:)) ?? command.verbLocation
            throw LanguageError("'\(command.verb)' needs a subverb: one of \(names.joined(separator: ", "))", at: where_)
        }
        arguments.removeFirst()
        let name = word.literalText ?? word.display
        guard let spec = candidates.first(where: { $0.subverb == name }) else {
            throw LanguageError("unknown subverb '\(name)' for '\(command.verb)'; expected one of \(names.joined(separator: ", "))",
                                at: word.location, suggestion: closestWord(to: name, in: names))
        }
        return (spec, arguments)
    }

    /// Binds `command`; throws the first problem with its location.
    func bind(_ command: ParsedCommand, scope: VariableScope) throws(LanguageError) -> (spec: CommandSpec, arguments: Arguments) {
        let (spec, parsed) = try spec(for: command)
        var result = Arguments()
        var given: [String: SourceLocation] = [:]
        var positionalIndex = 0
        // Words collected by a rest-taking last positional (nil until it takes one).
        var rest: [ArgumentValue]?
        for argument in parsed {
            switch spec.optionsAreText ? argument.asText : argument {
            case .positional(let word):
                if spec.lastPositionalTakesRest, let last = spec.positionals.last,
                   positionalIndex >= spec.positionals.count - 1 {
                    if rest == nil {
                        if let first = given[last.name] {
                            throw LanguageError("'\(last.name)' is given twice (first at \(first))", at: word.location)
                        }
                        given[last.name] = word.location
                        result.locations[last.name] = word.location
                        rest = []
                    }
                    var element = last.type
                    if case .list(let inner) = last.type { element = inner }
                    if let value = try convert(word, as: element, for: last, scope: scope) { rest!.append(value) }
                    positionalIndex = spec.positionals.count
                    continue
                }
                guard positionalIndex < spec.positionals.count else {
                    if spec.positionals.isEmpty && spec.acceptsAnyOption {
                        throw LanguageError("unexpected argument '\(word.display)': '\(spec.fullName)' takes name = value pairs",
                                            at: word.location)
                    }
                    let takes = spec.positionals.isEmpty ? "no positional arguments"
                        : "\(spec.positionals.count) positional argument\(spec.positionals.count == 1 ? "" : "s") (\(spec.positionals.map(\.name).joined(separator: ", ")))"
                    throw LanguageError("unexpected argument '\(word.display)': '\(spec.fullName)' takes \(takes); named arguments are written key=value",
                                        at: word.location)
                }
                let argumentSpec = spec.positionals[positionalIndex]
                positionalIndex += 1
                try store(word, for: argumentSpec, at: word.location, into: &result, given: &given, scope: scope)
            case .named(let key, let keyLocation, let value):
                guard let argumentSpec = spec.argument(named: key) else {
                    guard spec.acceptsAnyOption else {
                        let names = spec.allArguments.map(\.name)
                        let expected = names.isEmpty ? "it takes no named arguments"
                            : "expected one of \(names.joined(separator: ", "))"
                        throw LanguageError("unknown argument '\(key)' for '\(spec.fullName)'; \(expected)",
                                            at: keyLocation, suggestion: closestWord(to: key, in: names))
                    }
                    if let previous = result.extraOptions.first(where: { $0.key == key }) {
                        throw LanguageError("'\(key)' is given twice (first at \(previous.location))", at: keyLocation)
                    }
                    let text = try substitute(value, scope: scope)?.map(\.text).joined() ?? value.display
                    result.extraOptions.append((key, text, value.location))
                    continue
                }
                try store(value, for: argumentSpec, at: keyLocation, into: &result, given: &given, scope: scope)
            }
        }
        if let rest, let last = spec.positionals.last {
            result.values[last.name] = .list(rest)
        }
        for argumentSpec in spec.allArguments where given[argumentSpec.name] == nil {
            if argumentSpec.isRequired {
                throw LanguageError("missing required argument '\(argumentSpec.name)' (\(argumentSpec.type.name)) for '\(spec.fullName)'; for example: \(spec.examples.first ?? "\(spec.fullName) \(argumentSpec.name)=...")",
                                    at: command.verbLocation)
            }
            if let text = argumentSpec.defaultValue {
                let word = Word(parts: [.text(text, quoted: false)], location: command.verbLocation)
                result.values[argumentSpec.name] = try convert(word, as: argumentSpec.type, for: argumentSpec, scope: scope)
            }
        }
        return (spec, result)
    }

    private func store(_ word: Word, for spec: ArgumentSpec, at location: SourceLocation,
                       into result: inout Arguments, given: inout [String: SourceLocation],
                       scope: VariableScope) throws(LanguageError) {
        if let first = given[spec.name] {
            throw LanguageError("'\(spec.name)' is given twice (first at \(first))", at: location)
        }
        given[spec.name] = location
        result.locations[spec.name] = word.location
        if let value = try convert(word, as: spec.type, for: spec, scope: scope) {
            result.values[spec.name] = value
        }
    }

    /// The word's text in pieces; `splittable` pieces (unquoted text and variable values) may
    /// hold list commas. Nil when checking only and the word refers to variables.
    func substitute(_ word: Word, scope: VariableScope) throws(LanguageError) -> [(text: String, splittable: Bool)]? {
        var pieces: [(text: String, splittable: Bool)] = []
        var unresolved = false
        for part in word.parts {
            switch part {
            case .text(let text, let quoted):
                pieces.append((text, !quoted))
            case .variable(let name, let location):
                switch scope {
                case .values(let names, let lookup):
                    guard let value = lookup(name) else {
                        throw LanguageError("undefined variable '$\(name)'; define it with 'set \(name) = ...'",
                                            at: location, suggestion: closestWord(to: name, in: names()))
                    }
                    pieces.append((value, true))
                case .names(let known):
                    guard known.contains(name) || ProcessInfo.processInfo.environment[name] != nil else {
                        throw LanguageError("undefined variable '$\(name)'; define it with 'set \(name) = ...' before this line",
                                            at: location, suggestion: closestWord(to: name, in: Array(known).sorted()))
                    }
                    unresolved = true
                }
            }
        }
        return unresolved ? nil : pieces
    }

    /// Converts a word to a typed value, or nil when checking only and it refers to variables.
    func convert(_ word: Word, as type: ArgumentType, for spec: ArgumentSpec,
                 scope: VariableScope) throws(LanguageError) -> ArgumentValue? {
        guard let pieces = try substitute(word, scope: scope) else { return nil }
        let checkingOnly: Bool
        if case .names = scope { checkingOnly = true } else { checkingOnly = false }
        if case .list(let element) = type {
            var items: [String] = [""]
            for piece in pieces {
                guard piece.splittable else { items[items.count - 1] += piece.text; continue }
                let parts = piece.text.split(separator: ",", omittingEmptySubsequences: false)
                items[items.count - 1] += parts[0]
                items += parts.dropFirst().map(String.init)
            }
            items = items.map { $0.trimmingCharacters(in: .whitespaces) }
            if items == [""] { return .list([]) }
            if items.contains("") {
                throw LanguageError("empty element in the list for '\(spec.name)'; expected \(type.name) written a,b,c",
                                    at: word.location)
            }
            return .list(try items.map { item throws(LanguageError) in try scalar(item, element, spec, word.location, checkingOnly: checkingOnly) })
        }
        return try scalar(pieces.map(\.text).joined(), type, spec, word.location, checkingOnly: checkingOnly)
    }

    private func scalar(_ text: String, _ type: ArgumentType, _ spec: ArgumentSpec,
                        _ location: SourceLocation, checkingOnly: Bool) throws(LanguageError) -> ArgumentValue {
        let found = text.isEmpty ? "nothing" : "'\(text)'"
        switch type {
        case .string:
            return .string(text)
        case .path, .existingPath:
            guard !text.isEmpty else { throw LanguageError("expected a path for '\(spec.name)', found nothing", at: location) }
            let path = text.hasPrefix("~/") ? NSHomeDirectory() + text.dropFirst() : text
            if type == .existingPath, !checkingOnly, !FileManager.default.fileExists(atPath: path) {
                throw LanguageError("no file or folder '\(text)' for '\(spec.name)'", at: location,
                                    suggestion: closestSibling(of: text, expanded: path))
            }
            return .path(path)
        case .int:
            guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
                throw LanguageError("expected an integer for '\(spec.name)', found \(found)", at: location)
            }
            try check(Double(value), spec, location)
            return .int(value)
        case .float:
            guard let value = Double(text), value.isFinite else {
                throw LanguageError("expected a number for '\(spec.name)', found \(found)", at: location)
            }
            try check(value, spec, location)
            return .float(value)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .bool(true)
            case "false", "no", "off", "0": return .bool(false)
            default:
                throw LanguageError("expected true or false for '\(spec.name)', found \(found)", at: location)
            }
        case .choice(let words):
            guard words.contains(text) else {
                throw LanguageError("expected one of \(words.joined(separator: ", ")) for '\(spec.name)', found \(found)",
                                    at: location, suggestion: closestWord(to: text, in: words))
            }
            return .string(text)
        case .list:
            throw LanguageError("'\(spec.name)' cannot hold a list of lists", at: location)
        }
    }

    /// The entry of the missing path's folder closest to the name it asks for, as a path.
    private func closestSibling(of text: String, expanded: String) -> String? {
        let url = URL(fileURLWithPath: expanded)
        let folder = url.deletingLastPathComponent().path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder),
              let closest = closestWord(to: url.lastPathComponent, in: entries) else { return nil }
        let slash = text.lastIndex(of: "/").map { String(text[...$0]) } ?? ""
        return slash + closest
    }

    private func check(_ value: Double, _ spec: ArgumentSpec, _ location: SourceLocation) throws(LanguageError) {
        guard let range = spec.range, !range.contains(value) else { return }
        let bound = { (x: Double) in x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
        throw LanguageError("'\(spec.name)' must be between \(bound(range.lowerBound)) and \(bound(range.upperBound)), found \(bound(value))",
                            at: location)
    }

    private func location(of argument: ParsedArgument) -> SourceLocation {
        switch argument {
        case .positional(let word): return word.location
        case .named(_, let location, _): return location
        }
    }
}
