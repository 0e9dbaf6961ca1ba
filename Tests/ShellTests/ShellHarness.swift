import Foundation
import XCTest
@testable import Shell

/// A session whose output is captured, answering prompts from a script.
final class ShellHarness {
    var text = ""
    var errors = ""
    let reader: ScriptedLineReader
    private(set) var context: CommandContext!

    init(answers: [String] = []) {
        reader = ScriptedLineReader(answers)
        let output = Output(isTerminal: false, text: { [unowned self] in self.text += $0 },
                            error: { [unowned self] in self.errors += $0 })
        context = CommandContext(output: output, reader: reader)
    }

    /// Runs REPL-style text; returns the error description when it fails.
    @discardableResult
    func run(_ text: String) -> String? {
        do {
            try context.execute(text: text, file: "<test>")
            return nil
        } catch {
            return String(describing: error)
        }
    }
}

/// A temporary folder removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sft-shell-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Writes `text` to `name` in `folder` and returns its path.
@discardableResult
func writeFile(_ text: String, _ name: String, in folder: URL) throws -> String {
    let url = folder.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Binds one line against the registered commands (or `binder`), returning the error.
func bindingError(_ line: String, binder: CommandBinder = CommandRegistry.binder,
                  scope: VariableScope = .values(names: { [] }, lookup: { _ in nil })) -> LanguageError? {
    do {
        for command in try ParsedCommand.parse(line, file: "r.sft") {
            _ = try binder.bind(command, scope: scope)
        }
        return nil
    } catch {
        return error
    }
}
