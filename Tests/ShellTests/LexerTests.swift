import XCTest
@testable import Shell

/// What the language accepts: tokens, substitution, lists, continuation, options.
final class LexerTests: XCTestCase {
    private func commands(_ text: String) throws -> [ParsedCommand] {
        try ParsedCommand.parse(text, file: "t.sft")
    }

    func testCommentsBlankLinesAndLocations() throws {
        let parsed = try commands("# header\n\n  echo a # trailing\necho b#c\n")
        XCTAssertEqual(parsed.map(\.verb), ["echo", "echo"])
        XCTAssertEqual(parsed[0].location, SourceLocation(file: "t.sft", line: 3, column: 3))
        XCTAssertEqual(parsed[1].arguments, [.positional(Word(parts: [.text("b#c", quoted: false)],
                                                              location: SourceLocation(file: "t.sft", line: 4, column: 6)))])
    }

    func testContinuationJoinsLines() throws {
        let parsed = try commands("echo a \\\n  b \\  \n  c\necho d")
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed[0].arguments.count, 3)
        XCTAssertEqual(parsed[0].text, "echo a \\\n  b \\  \n  c")
        XCTAssertEqual(parsed[1].location.line, 4)
    }

    func testOptionsInBothSpellings() throws {
        let parsed = try commands("set a=1 b = 2 c= \"x y\"")
        let keys = parsed[0].arguments.compactMap { argument -> String? in
            if case .named(let key, _, _) = argument { return key }
            return nil
        }
        XCTAssertEqual(keys, ["a", "b", "c"])
    }

    func testSubstitutionEscapesAndQuotes() {
        let harness = ShellHarness()
        XCTAssertNil(harness.run("set name = world n=3"))
        XCTAssertNil(harness.run(#"echo "hello $name" '$name' \$name ${n}0 "tab\tend" "q\"uote" a\ b"#))
        XCTAssertEqual(harness.text, "hello world $name $name 30 tab\tend q\"uote a b\n")
    }

    func testEnvironmentVariablesAfterSessionVariables() {
        let harness = ShellHarness()
        setenv("SFT_SHELL_TEST_VAR", "from-env", 1)
        harness.run("echo $SFT_SHELL_TEST_VAR")
        harness.run("set SFT_SHELL_TEST_VAR = from-session")
        harness.run("echo $SFT_SHELL_TEST_VAR")
        XCTAssertEqual(harness.text, "from-env\nfrom-session\n")
    }

    func testListsSplitOnUnquotedCommasOnly() throws {
        let binder = CommandBinder(specs: [CommandSpec(verb: "lora", summary: "",
                                                       options: [.optional("targets", .list(.string), ""),
                                                                 .optional("sizes", .list(.int), "")])])
        let scope = VariableScope.values(names: { ["t"] }, lookup: { $0 == "t" ? "k_proj,o_proj" : nil })
        let command = try commands(#"lora targets=q_proj,"a,b",$t sizes=1,2"#)[0]
        let bound = try binder.bind(command, scope: scope).arguments
        XCTAssertEqual(bound.list("targets"), ["q_proj", "a,b", "k_proj", "o_proj"])
        XCTAssertEqual(bound.values["sizes"], .list([.int(1), .int(2)]))
    }

    func testTypedValuesDefaultsAndPositionalByName() throws {
        let spec = CommandSpec(verb: "train", summary: "",
                               positionals: [.required("data", .path, "")],
                               options: [.optional("epochs", .int, default: "3", ""),
                                         .optional("lr", .float, default: "2e-4", ""),
                                         .optional("packing", .bool, default: "no", ""),
                                         .optional("out", .path, "")])
        let binder = CommandBinder(specs: [spec])
        let empty = VariableScope.values(names: { [] }, lookup: { _ in nil })
        var bound = try binder.bind(try commands("train data=d.jsonl lr=1e-3 packing=on")[0], scope: empty).arguments
        XCTAssertEqual(bound.path("data"), "d.jsonl")
        XCTAssertEqual(bound.int("epochs"), 3)
        XCTAssertEqual(bound.double("lr"), 1e-3)
        XCTAssertEqual(bound.bool("packing"), true)
        XCTAssertNil(bound.path("out"))
        bound = try binder.bind(try commands("train ~/d.jsonl epochs=1_000")[0], scope: empty).arguments
        XCTAssertEqual(bound.path("data"), NSHomeDirectory() + "/d.jsonl")
        XCTAssertEqual(bound.int("epochs"), 1000)
        XCTAssertEqual(bound.location(of: "data"), SourceLocation(file: "t.sft", line: 1, column: 7))
    }

    func testLastPositionalTakesTheRestWithItsType() throws {
        let spec = CommandSpec(verb: "tokenize", summary: "", positionals: [.required("mode", .choice(["ids", "text"]), ""),
                                                                           .optional("ids", .list(.int), "")],
                               lastPositionalTakesRest: true)
        let binder = CommandBinder(specs: [spec])
        let empty = VariableScope.values(names: { [] }, lookup: { _ in nil })
        let bound = try binder.bind(try commands("tokenize ids 1 2 3")[0], scope: empty).arguments
        XCTAssertEqual(bound.values["ids"], .list([.int(1), .int(2), .int(3)]))
        XCTAssertNil(try binder.bind(try commands("tokenize text")[0], scope: empty).arguments.values["ids"])
        XCTAssertEqual(bindingError("tokenize ids 1 x", binder: binder)?.message, "expected an integer for 'ids', found 'x'")
        XCTAssertEqual(bindingError("tokenize ids ids=1 2", binder: binder)?.message, "'ids' is given twice (first at r.sft:1:14)")
    }

    func testCRLFRecipes() throws {
        let parsed = try commands("echo a\r\necho b \\\r\n c\r\n")
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed[1].arguments.count, 2)
    }
}
