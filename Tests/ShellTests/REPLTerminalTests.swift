import Foundation
import XCTest

/// The REPL on a pseudo-terminal: prompt, line editing, tab completion, history, Ctrl-C.
final class REPLTerminalTests: XCTestCase {
    private var historyFile = ""

    private func start() throws -> PseudoTerminal {
        let folder = try temporaryFolder(self)
        if historyFile.isEmpty { historyFile = folder.appendingPathComponent("history").path }
        try writeFile("echo ran-the-completed-recipe\n", "recipe-for-completion.sft", in: folder)
        // The child inherits the working directory, where path completion looks.
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(folder.path)
        addTeardownBlock { FileManager.default.changeCurrentDirectoryPath(previous) }
        let terminal = try PseudoTerminal(environment: ["SFT_HISTORY": historyFile, "HOME": folder.path])
        terminal.expectPrompt()
        return terminal
    }

    func testCommandsRunAndErrorsDoNotEndTheSession() throws {
        let terminal = try start()
        terminal.type("set x = 4\r")
        terminal.expectPrompt()
        terminal.type("bogus\r")
        terminal.expect("<repl>:2:1: error: unknown verb 'bogus'")
        terminal.expectPrompt()
        terminal.type("echo \"x$x\"\r")
        terminal.expect("x4\r\n")
        terminal.expectPrompt()
        terminal.type("exit 3\r")
        XCTAssertEqual(terminal.waitForExit(), 3)
    }

    func testTabCompletesVerbsArgumentNamesAndPaths() throws {
        let terminal = try start()
        terminal.type("set zz = 77\r")
        terminal.expectPrompt()
        // "ec" + Tab -> "echo ", then the rest of the line.
        terminal.type("ec\tcompleted-$zz\r")
        terminal.expect("completed-77\r\n")
        terminal.expectPrompt()
        // "show na" + Tab -> "show name=".
        terminal.type("show na\tzz\r")
        terminal.expect("zz = 77")
        terminal.expectPrompt()
        // "$z" + Tab -> "$zz" (variable names after `$`).
        terminal.type("echo var-$z\t\r")
        terminal.expect("var-77\r\n")
        terminal.expectPrompt()
        // A path argument completes file names: "run rec" + Tab -> "run recipe-for-completion.sft ".
        terminal.type("run rec\t\r")
        terminal.expect("ran-the-completed-recipe\r\n")
        terminal.expectPrompt()
        terminal.type("exit\r")
        XCTAssertEqual(terminal.waitForExit(), 0)
    }

    func testCtrlCClearsTheLineAndKeepsTheSession() throws {
        let terminal = try start()
        terminal.type("set kept = yes\r")
        terminal.expectPrompt()
        terminal.type("echo dropped-line")
        terminal.expect("dropped-line")
        terminal.type("\u{3}")
        terminal.expectPrompt()
        terminal.type("echo kept-$kept\r")
        terminal.expect("kept-yes\r\n")
        terminal.expectPrompt()
        XCTAssertFalse(terminal.transcript.contains("\ndropped-line\r\n"), "the interrupted line did not run")
        terminal.type("\u{4}")
        XCTAssertEqual(terminal.waitForExit(), 0, "Ctrl-D on an empty line leaves")
    }

    func testHistoryPersistsAcrossSessions() throws {
        var terminal = try start()
        terminal.type("echo from-history-one\r")
        terminal.expect("from-history-one\r\n")
        terminal.expectPrompt()
        terminal.type("exit\r")
        XCTAssertEqual(terminal.waitForExit(), 0)
        let saved = try String(contentsOfFile: historyFile, encoding: .utf8)
        XCTAssertTrue(saved.contains("from-history-one"), saved)

        terminal = try start()
        terminal.type("\u{1B}[A\u{1B}[A")  // Two up arrows: past `exit`, to the echo of the previous session.
        terminal.expect("from-history-one")  // redrawn in place, so only part of the line is rewritten
        terminal.type("\r")
        terminal.expect("from-history-one\r\n")
        terminal.expectPrompt()
        terminal.type("exit\r")
        XCTAssertEqual(terminal.waitForExit(), 0)
    }

    func testCtrlCAtAStepPromptStopsTheRecipeNotTheSession() throws {
        let terminal = try start()
        let recipe = try writeFile("echo stepped-one\necho stepped-two\n", "steps.sft", in: temporaryFolder(self))
        terminal.type("set kept = still-here\r")
        terminal.expectPrompt()
        terminal.type("step \(recipe)\r")
        terminal.expect("step (Enter run, s skip, q stop, or a command)> ")
        terminal.drain(0.15)
        terminal.type("\r")
        terminal.expect("stepped-one\r\n")
        terminal.expect("step (Enter run, s skip, q stop, or a command)> ")
        terminal.drain(0.15)
        terminal.type("\u{3}")
        terminal.expect("stopped\r\n")
        terminal.expectPrompt()
        terminal.type("echo $kept\r")
        terminal.expect("still-here\r\n")
        XCTAssertFalse(terminal.transcript.contains("\nstepped-two\r\n"), "the second command never ran")
        terminal.expectPrompt()
        terminal.type("exit\r")
        XCTAssertEqual(terminal.waitForExit(), 0)
    }
}
