import Foundation

/// What a prompt got: a line, Ctrl-C, or the end of input.
enum LineInput: Equatable {
    case line(String)
    case interrupted
    case end
}

/// Reads the lines the REPL runs and the answers `--step` asks for.
protocol LineReader: AnyObject {
    func readLine(prompt: String) -> LineInput
    /// Records a line in the persistent history (no-op where there is none).
    func addHistory(_ line: String)
}

/// Lines from a pipe or file: no prompt, no history (nothing but the commands' output is written).
final class PipedLineReader: LineReader {
    init() {}

    func readLine(prompt: String) -> LineInput {
        guard let line = Swift.readLine(strippingNewline: true) else { return .end }
        return .line(line)
    }

    func addHistory(_ line: String) {}
}

/// Lines from a list (tests, and scripted answers).
final class ScriptedLineReader: LineReader {
    private var lines: [String]
    private(set) var prompts: [String] = []

    init(_ lines: [String]) { self.lines = lines }

    func readLine(prompt: String) -> LineInput {
        prompts.append(prompt)
        return lines.isEmpty ? .end : .line(lines.removeFirst())
    }

    func addHistory(_ line: String) {}
}
