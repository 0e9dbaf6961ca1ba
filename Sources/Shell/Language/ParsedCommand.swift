/// An argument as written: a positional word or `key=value` (also `key = value`).
enum ParsedArgument: Sendable, Equatable {
    case positional(Word)
    case named(key: String, keyLocation: SourceLocation, value: Word)
}

extension ParsedArgument {
    /// The argument as one positional word: `key=value` becomes the text `key=value`.
    var asText: ParsedArgument {
        guard case .named(let key, let keyLocation, let value) = self else { return self }
        return .positional(Word(parts: [.text(key + "=", quoted: true)] + value.parts, location: keyLocation))
    }
}

/// One command before it is bound to a verb's argument spec: `verb [words...] [key=value...]`.
struct ParsedCommand: Sendable, Equatable {
    var verb: String
    var verbLocation: SourceLocation
    var arguments: [ParsedArgument]
    /// The command's source text as written (continuation lines included).
    var text: String

    var location: SourceLocation { verbLocation }

    /// Parses command text (a whole recipe or a REPL entry) into commands.
    static func parse(_ text: String, file: String, firstLine: Int = 1) throws(LanguageError) -> [ParsedCommand] {
        try Lexer.lex(text, file: file, firstLine: firstLine).map { line throws(LanguageError) in try parse(line) }
    }

    /// Groups one logical line's tokens into a verb and its arguments.
    static func parse(_ line: LexedLine) throws(LanguageError) -> ParsedCommand {
        var tokens = line.tokens[...]
        guard case .word(let verbWord)? = tokens.popFirst() else {
            let first = line.tokens[0]
            if case .option(let key, let location, let value) = first {
                throw LanguageError("expected a verb, found '\(key)=\(value.display)'; to set a variable write 'set \(key) = \(value.display)'",
                                    at: location)
            }
            throw LanguageError("expected a verb at the start of the command, found '='", at: first.location)
        }
        guard let verb = verbWord.literalText, isName(verb, allowDash: true) else {
            throw LanguageError("expected a verb (a plain word such as 'help'), found '\(verbWord.display)'",
                                at: verbWord.location)
        }
        var arguments: [ParsedArgument] = []
        while let token = tokens.popFirst() {
            switch token {
            case .option(let key, let keyLocation, let value):
                arguments.append(.named(key: key, keyLocation: keyLocation, value: value))
            case .equals(let location):
                throw LanguageError("unexpected '='; expected 'name = value' with a name before it", at: location)
            case .word(let word):
                guard case .equals(let equalsLocation)? = tokens.first else {
                    arguments.append(.positional(word))
                    continue
                }
                tokens.removeFirst()
                guard let key = word.literalText, isName(key, allowDash: true),
                      case .text(_, quoted: false)? = word.parts.first else {
                    throw LanguageError("'\(word.display)' cannot be an argument name; expected a name before '='",
                                        at: word.location)
                }
                guard case .word(let value)? = tokens.popFirst() else {
                    throw LanguageError("expected a value after '\(key) ='", at: equalsLocation)
                }
                arguments.append(.named(key: key, keyLocation: word.location, value: value))
            }
        }
        return ParsedCommand(verb: verb, verbLocation: verbWord.location, arguments: arguments, text: line.text)
    }
}
