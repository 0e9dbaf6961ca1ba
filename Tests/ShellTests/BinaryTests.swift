import Foundation
import XCTest

/// The `sft` executable driven as a user drives it: piped stdin, `sft run`, `--step` answers.
final class BinaryTests: XCTestCase {
    func testPipedREPLHasNoPromptAndSurvivesErrors() throws {
        let result = try runSFT([], stdin: "set a = 1\necho $a \\\n  two\nbogus\necho after\n")
        XCTAssertEqual(result.stdout, "1 two\nafter\n")
        XCTAssertEqual(result.stderr, "<repl>:4:1: error: unknown verb 'bogus'; 'help' lists the verbs\n")
        XCTAssertEqual(result.status, 1, "piped input reports that a command failed")
    }

    func testPipedInputEndingInAContinuation() throws {
        let result = try runSFT([], stdin: "echo a\necho b \\\n")
        XCTAssertEqual(result.stdout, "a\n")
        XCTAssertEqual(result.stderr, "<repl>:2:8: error: line continuation '\\' at the end of the input; expected another line\n")
        XCTAssertEqual(result.status, 1)
    }

    func testPipedExitStatus() throws {
        XCTAssertEqual(try runSFT([], stdin: "echo x\nexit 7\necho never\n").status, 7)
        XCTAssertEqual(try runSFT([], stdin: "echo x\n").status, 0)
    }

    /// `sft VERB ...` runs one command; words the system shell split keep their meaning
    /// (spaces and quotes inside a word, lists after `key=`), and a typo is caught.
    func testOneCommandFromTheCommandLine() throws {
        let result = try runSFT(["echo", "two words", "it's", "list=a,b", "$HOME"])
        XCTAssertEqual(result.stdout, "two words it's list=a,b $HOME\n")
        XCTAssertEqual(result.status, 0)
        let typo = try runSFT(["ecoh", "x"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("did you mean 'echo'"), typo.stderr)
    }

    func testRunRecipeWithOverrides() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("""
            # How to run: sft run r.sft [lr=...]
            set lr = 2e-4
            echo "lr is $lr"
            """, "r.sft", in: folder)
        let result = try runSFT(["run", recipe, "lr=1e-3"])
        XCTAssertEqual(result.stdout, "lr is 1e-3\n")
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(result.status, 0)
    }

    func testFailingRecipeStopsWithLocationAndNonZeroStatus() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("echo one\nhelp nosuchverb\necho two\n", "r.sft", in: folder)
        let result = try runSFT(["run", recipe])
        XCTAssertEqual(result.stdout, "one\n")
        XCTAssertEqual(result.stderr, "\(recipe):2:6: error: no command named 'nosuchverb'; 'help' lists them\n")
        XCTAssertEqual(result.status, 1)
    }

    func testRecipeWithTypoFailsBeforeRunning() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("echo one\n\nexti\n", "r.sft", in: folder)
        let result = try runSFT(["run", recipe])
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "\(recipe):3:1: error: unknown verb 'exti'; 'help' lists the verbs (did you mean 'exit'?)\n")
        XCTAssertEqual(result.status, 1)
    }

    func testStepWithScriptedAnswers() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("set n = 1\necho first $n\necho second\n", "r.sft", in: folder)
        let result = try runSFT(["run", recipe, "--step"], stdin: "\nset n = 5\n\ns\n")
        XCTAssertEqual(result.stdout, """
            -> \(recipe):1: set n = 1
            -> \(recipe):2: echo first $n
            first 5
            -> \(recipe):3: echo second
            skipped

            """)
        XCTAssertEqual(result.status, 0)
    }

    func testTourRecipeRunsEndToEnd() throws {
        let recipe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("recipes/tour.sft").path
        let result = try runSFT(["run", recipe, "name=you"])
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.hasPrefix("""
            hello, you
            single quotes keep $name as written
            LoRA targets: q_proj,v_proj (a trailing backslash continues the command)

            """), result.stdout)
        XCTAssertTrue(result.stdout.contains("name = you\necho [TEXT ...]\n"), result.stdout)
    }

    /// Ctrl-C (SIGINT) while a recipe runs stops it cleanly before the next command.
    func testInterruptStopsARunningRecipeBetweenCommands() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile(String(repeating: "echo tick\n", count: 10_000), "long.sft", in: folder)
        let process = Process()
        process.executableURL = try sftExecutable()
        process.arguments = ["run", recipe]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Wait until commands are running, then interrupt.
        _ = output.fileHandleForReading.availableData
        process.interrupt()
        final class Box: @unchecked Sendable { var data = Data() }
        let drained = Box()
        let drain = Thread { drained.data = output.fileHandleForReading.readDataToEndOfFile() }
        drain.start()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, "sft handled SIGINT itself")
        XCTAssertEqual(process.terminationStatus, 1)
        XCTAssertTrue(stderr.hasPrefix(recipe + ":") && stderr.hasSuffix(":1: error: interrupted before this command\n"), stderr)
    }

    func testUsageErrors() throws {
        let unknown = try runSFT(["rnu"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.hasPrefix("sft: unknown command 'rnu' (did you mean 'run'?)\nusage: sft"), unknown.stderr)
        let option = try runSFT(["run", "r.sft", "--stpe"])
        XCTAssertEqual(option.status, 2)
        XCTAssertTrue(option.stderr.hasPrefix("sft run: unknown option '--stpe' (did you mean '--step'?)"), option.stderr)
        let missing = try runSFT(["run", "/nonexistent.sft"])
        XCTAssertEqual(missing.stderr, "/nonexistent.sft:1:1: error: recipe '/nonexistent.sft' does not exist\n")
        XCTAssertEqual(missing.status, 1)
    }

    func testHelpFromTheCommandLine() throws {
        let result = try runSFT(["help", "run"])
        XCTAssertTrue(result.stdout.hasPrefix("run FILE [name=value ...]\n"), result.stdout)
        XCTAssertEqual(result.status, 0)
    }
}
