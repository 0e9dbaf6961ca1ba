/// The type of a verb's argument; values are checked against it before anything runs.
indirect enum ArgumentType: Sendable, Equatable {
    case string
    case int
    case float
    case bool
    /// A file or folder path; `~/` is expanded. It may not exist yet (an output).
    case path
    /// A path that must exist when the command runs (an input); a missing one is reported at
    /// its location with the closest name in its folder. Not checked before a recipe starts,
    /// since an earlier command may create it.
    case existingPath
    /// One of a fixed set of words (an enum).
    case choice([String])
    /// Comma-separated values, each of the element type: `a,b,c`.
    case list(ArgumentType)

    /// How help and error messages name the type.
    var name: String {
        switch self {
        case .string: return "string"
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        case .path: return "path"
        case .existingPath: return "existing path"
        case .choice(let words): return words.joined(separator: "|")
        case .list(let element): return "list of \(element.name)"
        }
    }
}

/// One argument of a verb: its name (the `key` of `key=value`), type, whether it is required or
/// its default (as text, parsed like user input), an optional numeric range and a help line.
struct ArgumentSpec: Sendable, Equatable {
    var name: String
    var type: ArgumentType
    var isRequired: Bool
    var defaultValue: String?
    var range: ClosedRange<Double>?
    var help: String

    /// A required argument.
    static func required(_ name: String, _ type: ArgumentType, range: ClosedRange<Double>? = nil,
                         _ help: String) -> ArgumentSpec {
        ArgumentSpec(name: name, type: type, isRequired: true, defaultValue: nil, range: range, help: help)
    }

    /// An optional argument, with the default used when it is not given (nil: no value).
    static func optional(_ name: String, _ type: ArgumentType, default defaultValue: String? = nil,
                         range: ClosedRange<Double>? = nil, _ help: String) -> ArgumentSpec {
        ArgumentSpec(name: name, type: type, isRequired: false, defaultValue: defaultValue, range: range, help: help)
    }
}

/// The grammar of one command (`verb` or `verb subverb`): positional arguments in order (each
/// may also be given as `name=value`), named options, and examples for `help`.
struct CommandSpec: Sendable, Equatable {
    var verb: String
    var subverb: String?
    var aliases: [String] = []
    var summary: String
    var positionals: [ArgumentSpec] = []
    var options: [ArgumentSpec] = []
    /// The last positional takes every remaining positional word (as a list of strings).
    var lastPositionalTakesRest = false
    /// When set, `key=value` pairs with keys outside the spec are kept as text (`set` variables,
    /// `run` overrides); this says what they mean, for `help`.
    var otherOptions: String?
    /// `key=value` words are plain positional text (`echo lr=$lr`).
    var optionsAreText = false
    var examples: [String] = []

    var acceptsAnyOption: Bool { otherOptions != nil }

    /// `verb` or `verb subverb`.
    var fullName: String { subverb.map { "\(verb) \($0)" } ?? verb }

    var allArguments: [ArgumentSpec] { positionals + options }

    func argument(named name: String) -> ArgumentSpec? { allArguments.first { $0.name == name } }
}
