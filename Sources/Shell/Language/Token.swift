/// One piece of a word: literal text (quoted text and escaped characters never split lists or
/// look like syntax) or a `$name` / `${name}` reference resolved when the command runs.
enum WordPart: Sendable, Equatable {
    case text(String, quoted: Bool)
    case variable(String, SourceLocation)
}

/// A whitespace-separated word of a command line, before substitution.
struct Word: Sendable, Equatable {
    var parts: [WordPart]
    var location: SourceLocation

    /// The text when the word has no variable references, else nil.
    var literalText: String? {
        var text = ""
        for part in parts {
            guard case .text(let piece, _) = part else { return nil }
            text += piece
        }
        return text
    }

    /// The variable names the word refers to, with their locations.
    var variables: [(name: String, location: SourceLocation)] {
        parts.compactMap { part in
            if case .variable(let name, let location) = part { return (name, location) }
            return nil
        }
    }

    /// The word as written, for messages (variables shown as `$name`).
    var display: String {
        parts.map { part in
            switch part {
            case .text(let text, _): return text
            case .variable(let name, _): return "$\(name)"
            }
        }.joined()
    }
}

/// What the lexer produces: words, `key=value` options, and bare `=` (as in `set x = 1`).
enum Token: Sendable, Equatable {
    case word(Word)
    case option(key: String, keyLocation: SourceLocation, value: Word)
    case equals(SourceLocation)

    var location: SourceLocation {
        switch self {
        case .word(let word): return word.location
        case .option(_, let location, _): return location
        case .equals(let location): return location
        }
    }
}

/// One logical line (physical lines joined by trailing `\`): its tokens, where it starts, and
/// its source text as written (shown by `--step`).
struct LexedLine: Sendable, Equatable {
    var tokens: [Token]
    var location: SourceLocation
    var text: String
}
