import CEditLine
import Foundation

/// The terminal reader: libedit line editing, persistent history and tab completion.
/// Ctrl-C at the prompt returns `.interrupted` (the REPL drops the line and asks again).
final class EditLineReader: LineReader {
    private let historyFile: String
    /// The session's variable names, offered after `$`.
    var variableNames: () -> [String] = { [] }
    /// The reader libedit's completion hook serves (libedit has one global line editor).
    nonisolated(unsafe) fileprivate static var active: EditLineReader?

    /// `historyFile`: where history is read from and saved after every line.
    init(historyFile: String) {
        self.historyFile = historyFile
        "sft".withCString { sft_set_readline_name(strdup($0)) }
        using_history()
        stifle_history(2000)
        _ = read_history(historyFile)
        sft_set_attempted_completion(editLineComplete)
        EditLineReader.active = self
    }

    /// `$SFT_HISTORY`, else `~/.sft_history`.
    static var defaultHistoryFile: String {
        ProcessInfo.processInfo.environment["SFT_HISTORY"] ?? NSHomeDirectory() + "/.sft_history"
    }

    func readLine(prompt: String) -> LineInput {
        Interrupt.clear()
        Interrupt.setCommandRunning(false)
        guard let pointer = readline(prompt) else {
            return Interrupt.requested ? .interrupted : .end
        }
        defer { free(pointer) }
        return .line(String(cString: pointer))
    }

    func addHistory(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        _ = add_history(line)
        // Saved after every line so nothing is lost if the process is killed; written to a
        // temporary file and renamed so a crash never leaves half a history.
        let temporary = historyFile + ".tmp-\(getpid())"
        if write_history(temporary) == 0 {
            rename(temporary, historyFile)
        } else {
            unlink(temporary)
        }
    }
}

/// libedit's completion hook: matches for the word between `start` and `end` of the line, in
/// readline's convention (first the common prefix that replaces the word, then each match).
private func editLineComplete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    sft_set_completion_over(1)
    guard let text, let buffer = sft_line_buffer() else { return nil }
    let lineBytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                                              count: strlen(buffer)))
    let before = String(decoding: lineBytes.prefix(Int(max(0, start))), as: UTF8.self)
    let word = String(cString: text)
    let variables = EditLineReader.active?.variableNames() ?? []
    let candidates = Completer(specs: CommandRegistry.all.map(\.spec), variables: variables)
        .complete(before: before, word: word)
    guard !candidates.isEmpty else { return nil }
    let matches = candidates.map(\.text)
    let single = candidates.count == 1
    sft_set_completion_append_character(single && candidates[0].appendsSpace ? 32 : 0)
    let replacement = single ? matches[0] : commonPrefix(matches)
    let all = single ? [replacement] : [replacement] + matches
    // libedit frees the array and its strings with free(3), so both come from malloc.
    let raw = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (all.count + 1))!
    let result = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: all.count + 1)
    for (i, match) in all.enumerated() { result[i] = strdup(match) }
    result[all.count] = nil
    return result
}

private func commonPrefix(_ words: [String]) -> String {
    guard var prefix = words.first else { return "" }
    for word in words.dropFirst() {
        while !word.hasPrefix(prefix) { prefix.removeLast() }
    }
    return prefix
}
