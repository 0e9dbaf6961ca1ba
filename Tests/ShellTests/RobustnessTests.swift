import XCTest
@testable import Shell

/// Whatever is typed, the shell answers with output or an error, never a crash.
final class RobustnessTests: XCTestCase {
    func testRandomLinesNeverCrash() {
        // Fragments that stress the lexer and binder: quotes, escapes, substitution, options,
        // continuations, lists, comments, unicode, and the verbs' own words.
        let fragments = ["echo", "set", "show", "help", "reset", "plot", "run", "step", "x", "=", "a=b", "==",
                         "\"", "'", "\\", "\\\n", "$", "${", "}", "$x", "${x}", ",", ",,", "#", " ", "\t", "\n",
                         "é", "🙂", "\"a b\"", "'c d'", "\\n", "\"\\q\"", "1", "-1", "1e999", "nan", "width=0",
                         "height=1000", "svg=", "name", "exit", "status=300", "x=$x"]
        var generator = SystemRandomNumberGenerator()
        let harness = ShellHarness(answers: Array(repeating: "q", count: 100))
        harness.run("set x = 1")
        for _ in 0..<1500 {
            let count = Int.random(in: 1...8, using: &generator)
            var line = (0..<count).map { _ in fragments.randomElement(using: &generator)! }.joined(separator: Bool.random() ? " " : "")
            // `exit` would end the session and `run`/`step`/`plot` with a real path do real work.
            if line.contains("exit") || line.contains("quit") { line = line.replacingOccurrences(of: "exit", with: "exi") }
            do {
                try harness.context.execute(text: line, file: "<fuzz>")
            } catch let error as LanguageError {
                XCTAssertTrue(error.description.hasPrefix("<fuzz>:") || error.description.contains(":1:"), error.description)
            } catch {
                XCTAssertFalse(String(describing: error).isEmpty)
            }
        }
    }
}
