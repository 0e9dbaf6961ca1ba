import TestSupport
import XCTest
@testable import Shell

/// Recipes run in a session: whole-file checks, overrides, failures with locations, stepping.
final class RecipeTests: XCTestCase {
    func testOverridesReplaceSetValuesAndWarnOnUnusedKeys() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("set lr = 2e-4\nset epochs = 3\necho lr=$lr epochs=$epochs\n", "r.sft", in: folder)
        let harness = ShellHarness()
        XCTAssertNil(harness.run("run \(recipe) epochs=1 epoch=5"))
        XCTAssertEqual(harness.text, "lr=2e-4 epochs=1\n")
        XCTAssertEqual(harness.errors, "warning: override 'epoch' is not used by \(recipe) (did you mean 'epochs'?)\n")
        // The session keeps the recipe's variables, like a kernel keeps its objects.
        harness.run("echo $lr")
        XCTAssertTrue(harness.text.hasSuffix("2e-4\n"))
    }

    func testWholeRecipeIsCheckedBeforeAnythingRuns() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("echo first\nset x = 1\necho $y\nhelp verb=run extra=1\n", "r.sft", in: folder)
        let harness = ShellHarness()
        let error = harness.run("run \(recipe)")
        XCTAssertEqual(harness.text, "", "nothing runs when the recipe has errors")
        XCTAssertEqual(error, """
            \(recipe):3:6: error: undefined variable '$y'; define it with 'set y = ...' before this line
            \(recipe):4:15: error: unknown argument 'extra' for 'help'; expected one of verb, subverb
            """)
    }

    func testFailingCommandStopsTheRecipeWithItsLocation() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("echo one\n  show nothing_here\necho never\n", "r.sft", in: folder)
        let harness = ShellHarness()
        XCTAssertEqual(harness.run("run \(recipe)"), "\(recipe):2:8: error: nothing named 'nothing_here' in the session")
        XCTAssertEqual(harness.text, "one\n")
    }

    func testMissingRecipeSuggestsTheClosestFile() throws {
        let folder = try temporaryFolder(self)
        try writeFile("echo hi\n", "train.sft", in: folder)
        let harness = ShellHarness()
        XCTAssertEqual(harness.run("run   \(folder.path)/trian.sft"),
                       "<test>:1:7: error: no file or folder '\(folder.path)/trian.sft' for 'file' (did you mean '\(folder.path)/train.sft'?)")
        XCTAssertEqual(harness.run("run /nonexistent/r.sft"), "<test>:1:5: error: no file or folder '/nonexistent/r.sft' for 'file'")
    }

    func testMissingRecipeIsNotReportedBeforeItsCreatorRuns() throws {
        let recipe = Recipe(file: "r.sft", commands: try ParsedCommand.parse("run not-yet-written.sft", file: "r.sft"))
        XCTAssertEqual(recipe.check(known: []), [])
    }

    func testSetWithoutValue() {
        XCTAssertEqual(ShellHarness().run("set y"), "<test>:1:5: error: unexpected argument 'y': 'set' takes name = value pairs")
    }

    func testNestedRecipesAndRecipeDir() throws {
        let folder = try temporaryFolder(self)
        try writeFile("echo inner $recipe_dir $greeting\n", "inner.sft", in: folder)
        let outer = try writeFile("set greeting = hi\nrun ${recipe_dir}/inner.sft\necho back\n", "outer.sft", in: folder)
        let harness = ShellHarness()
        XCTAssertNil(harness.run("run \(outer)"))
        XCTAssertEqual(harness.text, "inner \(folder.path) hi\nback\n")
    }

    func testRecipeThatRunsItselfIsStopped() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("run $recipe\n", "loop.sft", in: folder)
        let harness = ShellHarness()
        let error = harness.run("run \(recipe)")
        XCTAssertTrue(error?.contains("recipes nested more than 16 deep") ?? false, error ?? "no error")
    }

    func testExitEndsTheRun() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("echo a\nexit 4\necho b\n", "r.sft", in: folder)
        let harness = ShellHarness()
        XCTAssertThrowsError(try harness.context.execute(text: "run \(recipe)", file: "<test>")) { error in
            XCTAssertEqual((error as? ExitRequest)?.status, 4)
        }
        XCTAssertEqual(harness.text, "a\n")
    }

    func testSteppingRunsSkipsInspectsAndStops() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("set x = 1\necho one $x\necho two\necho three\necho four\n", "r.sft", in: folder)
        // Enter runs set; a command runs against the same session then asks again; Enter runs
        // echo one; s skips echo two; a failing command does not stop; q stops before echo four.
        let harness = ShellHarness(answers: ["", "set x = 9", "", "s", "show nope", "", "q"])
        XCTAssertNil(harness.run("step \(recipe)"))
        XCTAssertEqual(harness.text, """
            -> \(recipe):1: set x = 1
            -> \(recipe):2: echo one $x
            one 9
            -> \(recipe):3: echo two
            skipped
            -> \(recipe):4: echo three
            three
            -> \(recipe):5: echo four
            stopped before \(recipe):5

            """)
        XCTAssertEqual(harness.errors, "<step>:1:6: error: nothing named 'nope' in the session\n")
        XCTAssertEqual(harness.reader.prompts.count, 7)
    }

    func testSteppingStopsAtEndOfInput() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("echo one\necho two\n", "r.sft", in: folder)
        let harness = ShellHarness(answers: [""])
        XCTAssertNil(harness.run("step \(recipe)"))
        XCTAssertTrue(harness.text.hasSuffix("one\n-> \(recipe):2: echo two\nstopped: no more input\n"), harness.text)
    }
}

/// The verbs that need no runtime.
final class BuiltinCommandTests: XCTestCase {
    func testShowListsVariablesAndState() {
        struct Fake: SessionState { var summary: String { "SmolLM2-135M (llama, 135M parameters)" } }
        let harness = ShellHarness()
        harness.run("show")
        harness.run("set b = 2 a = \"x y\"")
        harness.context.session.set(SessionSlot<Fake>(name: "model"), Fake())
        harness.run("show")
        harness.run("show a")
        harness.run("show model")
        XCTAssertEqual(harness.text, """
            variables: none
            state: nothing loaded
            variable  value
            a         x y
            b         2
            state  summary
            model  SmolLM2-135M (llama, 135M parameters)
            a = x y
            model: SmolLM2-135M (llama, 135M parameters)

            """)
        XCTAssertEqual(harness.run("show modle"), "<test>:1:6: error: nothing named 'modle' in the session (did you mean 'model'?)")
    }

    func testTablesAndChartsGoToAFrontEndThatShowsThemItself() throws {
        var items: [String] = []
        let output = Output(isTerminal: false, text: { _ in }, error: { _ in }, display: { item in
            switch item {
            case .table(let headers, let rows): items.append("table \(headers) \(rows)")
            case .chart(let series, let title): items.append("chart \(title) \(series.map(\.name))")
            }
        })
        let context = CommandContext(output: output, reader: ScriptedLineReader([]))
        try context.execute(text: "set a = 1", file: "<test>")
        try context.execute(text: "show", file: "<test>")
        try context.execute(text: "plot \(fixtureURL("shell/trainer_state.json").path)", file: "<test>")
        XCTAssertEqual(items, ["table [\"variable\", \"value\"] [[\"a\", \"1\"]]", "chart loss [\"train\", \"eval\"]"])
    }

    func testResetForgetsEverythingOrOneThing() {
        let harness = ShellHarness()
        harness.run("set a = 1 b = 2")
        XCTAssertNil(harness.run("reset a"))
        XCTAssertEqual(harness.context.session.variables, ["b": "2"])
        XCTAssertNil(harness.run("reset"))
        XCTAssertEqual(harness.context.session.variables, [:])
        XCTAssertEqual(harness.run("reset a"), "<test>:1:7: error: nothing named 'a' in the session")
    }

    func testSetRejectsBadNames() {
        let harness = ShellHarness()
        XCTAssertEqual(harness.run("set max-len = 3"),
                       "<test>:1:15: error: 'max-len' is not a variable name; expected letters, digits and '_'")
    }

    func testHelpIsGeneratedFromSpecs() {
        let harness = ShellHarness()
        harness.run("help exit")
        XCTAssertEqual(harness.text, """
            exit [STATUS]
              End sft (the REPL, or the whole recipe run) with the given status.
              Also: quit
            Arguments:
              status  int  The exit status. (default 0 [0..255])
            Examples:
              exit
              quit
              exit 1

            """)
        XCTAssertEqual(harness.run("help rnu"), "<test>:1:6: error: no command named 'rnu' (did you mean 'run'?); 'help' lists them")
        harness.text = ""
        harness.run("help")
        for spec in CommandRegistry.all.map(\.spec) {
            XCTAssertTrue(harness.text.contains("  \(spec.fullName) "), "help lists \(spec.fullName)")
        }
    }

    func testQuitIsAnAliasOfExit() {
        let harness = ShellHarness()
        XCTAssertThrowsError(try harness.context.execute(text: "quit 2", file: "<test>")) { error in
            XCTAssertEqual((error as? ExitRequest)?.status, 2)
        }
    }
}
