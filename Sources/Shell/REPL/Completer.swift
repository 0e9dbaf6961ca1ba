import Foundation

/// One tab-completion candidate: the text replacing the word, and whether a space follows it
/// (not after `key=` or a folder's `/`).
struct Completion: Equatable {
    var text: String
    var appendsSpace: Bool
}

/// Tab completion from the command specs: verbs, subverbs, argument names (`key=`), enum
/// values, paths where an argument is a path, and variable names after `$` or `${`.
struct Completer {
    var specs: [CommandSpec]
    var variables: [String] = []

    /// Candidates for `word`, the word under the cursor; `before` is the line up to that word
    /// (it ends with `=` when the word is the value of `key=`, with `$` or `${` for a variable).
    func complete(before: String, word: String) -> [Completion] {
        if before.hasSuffix("$") || before.hasSuffix("${") {
            return matching(variables, word, space: false)
        }
        let words = before.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let verb = words.first else {
            return matching(verbNames, word, space: true)
        }
        let ofVerb = specs.filter { $0.verb == verb || $0.aliases.contains(verb) }
        guard var spec = ofVerb.first else { return [] }
        var argumentWords = Array(words.dropFirst())
        if spec.subverb != nil {
            guard let subverb = argumentWords.first, !(argumentWords.count == 1 && before.hasSuffix("=")) else {
                return matching(ofVerb.compactMap(\.subverb), word, space: true)
            }
            guard let chosen = ofVerb.first(where: { $0.subverb == subverb }) else { return [] }
            spec = chosen
            argumentWords.removeFirst()
        }
        if before.hasSuffix("="), let last = argumentWords.last {
            let key = String(last.dropLast())
            guard let argument = spec.argument(named: key) else { return [] }
            return values(of: argument.type, word)
        }
        let given = Set(argumentWords.filter { $0.contains("=") }.map { String($0.prefix { $0 != "=" }) })
        var result = matching(spec.allArguments.map(\.name).filter { !given.contains($0) }.map { $0 + "=" },
                              word, space: false)
        let positionalCount = argumentWords.filter { !$0.contains("=") }.count
        if spec.verb == HelpCommand.definition.spec.verb && positionalCount == 0 {
            result += matching(verbNames, word, space: true)
        } else if positionalCount < spec.positionals.count {
            result += values(of: spec.positionals[positionalCount].type, word)
        }
        return result
    }

    private var verbNames: [String] {
        var seen = Set<String>()
        return specs.flatMap { [$0.verb] + $0.aliases }.filter { seen.insert($0).inserted }
    }

    private func values(of type: ArgumentType, _ word: String) -> [Completion] {
        switch type {
        case .path, .existingPath: return paths(word)
        case .choice(let words): return matching(words, word, space: true)
        case .bool: return matching(["true", "false"], word, space: true)
        default: return []
        }
    }

    private func matching(_ candidates: [String], _ word: String, space: Bool) -> [Completion] {
        candidates.filter { $0.hasPrefix(word) }.sorted().map { Completion(text: $0, appendsSpace: space) }
    }

    /// Files and folders whose path starts with `word` (relative to the working directory;
    /// `~/` expanded for listing but kept as typed). Hidden entries only when asked for by a `.`.
    func paths(_ word: String) -> [Completion] {
        let slash = word.lastIndex(of: "/")
        let folder = slash.map { String(word[...$0]) } ?? ""
        let prefix = slash.map { String(word[word.index(after: $0)...]) } ?? word
        var listed = folder.isEmpty ? "." : folder
        if listed.hasPrefix("~/") { listed = NSHomeDirectory() + listed.dropFirst() }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: listed) else { return [] }
        return entries.filter { $0.hasPrefix(prefix) && (prefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .sorted()
            .map { entry in
                var isFolder: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: (listed as NSString).appendingPathComponent(entry), isDirectory: &isFolder)
                return Completion(text: folder + entry + (isFolder.boolValue ? "/" : ""), appendsSpace: !isFolder.boolValue)
            }
    }
}
