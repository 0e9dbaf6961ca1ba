import XCTest
@testable import Shell

/// One test per parse or validation error: the message, the location, the suggestion.
final class LanguageErrorTests: XCTestCase {
    /// A verb with subverbs and every argument type, standing in for the runtime verbs to come.
    let binder = CommandBinder(specs: CommandRegistry.all.map(\.spec).filter { $0.verb != "model" } + [
        CommandSpec(verb: "model", subverb: "load", summary: "",
                    positionals: [.required("path", .path, "")],
                    options: [.optional("dtype", .choice(["float32", "bfloat16", "nf4"]), default: "float32", ""),
                              .optional("steps", .int, range: 1...1000, ""),
                              .optional("lr", .float, ""),
                              .optional("merge", .bool, ""),
                              .optional("targets", .list(.string), ""),
                              .optional("sizes", .list(.int), "")]),
        CommandSpec(verb: "model", subverb: "info", summary: ""),
    ])

    private func check(_ text: String, _ message: String, line: Int = 1, column: Int,
                       suggestion: String? = nil, file: StaticString = #filePath, testLine: UInt = #line) {
        guard let error = bindingError(text, binder: binder) else {
            return XCTFail("no error for \(text.debugDescription)", file: file, line: testLine)
        }
        XCTAssertEqual(error.message, message, file: file, line: testLine)
        XCTAssertEqual(error.location, SourceLocation(file: "r.sft", line: line, column: column), file: file, line: testLine)
        XCTAssertEqual(error.suggestion, suggestion, file: file, line: testLine)
    }

    func testUnterminatedDoubleQuote() {
        check("echo \"abc", "unterminated string; expected a closing '\"' on the same line", column: 6)
    }

    func testUnterminatedSingleQuote() {
        check("echo ok\necho  'abc", "unterminated string; expected a closing \"'\" on the same line", line: 2, column: 7)
    }

    func testUnknownEscape() {
        check("echo \"a\\qb\"", "unknown escape '\\q' in a string; expected one of \\n \\t \\r \\\\ \\\" \\$", column: 8)
    }

    func testDollarWithoutName() {
        check("echo a $ b", "expected a variable name after '$' (write '\\$' for a dollar sign)", column: 8)
    }

    func testUnterminatedBrace() {
        check("echo ${abc", "unterminated '${'; expected a closing '}'", column: 6)
    }

    func testBadBracedName() {
        check("echo ${1x}", "'1x' is not a variable name; expected letters, digits and '_'", column: 6)
    }

    func testContinuationAtEnd() throws {
        check("echo a \\", "line continuation '\\' at the end of the input; expected another line", column: 8)
        XCTAssertTrue(bindingError("echo a \\", binder: binder)!.isIncompleteInput)
        XCTAssertFalse(bindingError("echo \"a", binder: binder)!.isIncompleteInput)
    }

    func testOptionInsteadOfVerb() {
        check("lr=2e-4", "expected a verb, found 'lr=2e-4'; to set a variable write 'set lr = 2e-4'", column: 1)
    }

    func testEqualsInsteadOfVerb() {
        check("  = 3", "expected a verb at the start of the command, found '='", column: 3)
    }

    func testVariableAsVerb() {
        check("$cmd run", "expected a verb (a plain word such as 'help'), found '$cmd'", column: 1)
    }

    func testStrayEquals() {
        check("set a=1 = 2", "unexpected '='; expected 'name = value' with a name before it", column: 9)
    }

    func testMissingValueAfterEquals() {
        check("set lr =", "expected a value after 'lr ='", column: 8)
    }

    func testQuotedName() {
        check("set \"lr\" = 1", "'lr' cannot be an argument name; expected a name before '='", column: 5)
    }

    func testUnknownVerbSuggestsClosest() {
        check("# train\n\nehco hi", "unknown verb 'ehco'; 'help' lists the verbs", line: 3, column: 1, suggestion: "echo")
    }

    func testUnknownVerbWithoutSuggestion() {
        check("frobnicate", "unknown verb 'frobnicate'; 'help' lists the verbs", column: 1)
    }

    func testMissingSubverb() {
        check("model", "'model' needs a subverb: one of load, info", column: 1)
    }

    func testUnknownSubverb() {
        check("model lod x", "unknown subverb 'lod' for 'model'; expected one of load, info", column: 7, suggestion: "load")
    }

    func testUnknownArgumentName() {
        check("model load m.gguf dtyp=nf4",
              "unknown argument 'dtyp' for 'model load'; expected one of path, dtype, steps, lr, merge, targets, sizes",
              column: 19, suggestion: "dtype")
    }

    func testArgumentGivenTwice() {
        check("model load m.gguf steps=1 \\\n   steps=2", "'steps' is given twice (first at r.sft:1:19)", line: 2, column: 4)
    }

    func testPositionalAlsoNamed() {
        check("model load a path=b", "'path' is given twice (first at r.sft:1:12)", column: 14)
    }

    func testUnexpectedPositional() {
        check("model info extra",
              "unexpected argument 'extra': 'model info' takes no positional arguments; named arguments are written key=value",
              column: 12)
    }

    func testMissingRequired() {
        check("model load dtype=nf4",
              "missing required argument 'path' (path) for 'model load'; for example: model load path=...", column: 1)
    }

    func testBadInteger() {
        check("model load m steps=ten", "expected an integer for 'steps', found 'ten'", column: 20)
    }

    func testIntegerOutOfRange() {
        check("model load m steps=0", "'steps' must be between 1 and 1000, found 0", column: 20)
    }

    func testBadFloat() {
        check("model load m lr=fast", "expected a number for 'lr', found 'fast'", column: 17)
    }

    func testEmptyFloat() {
        check("model load m lr=", "expected a number for 'lr', found nothing", column: 17)
    }

    func testBadBool() {
        check("model load m merge=maybe", "expected true or false for 'merge', found 'maybe'", column: 20)
    }

    func testBadChoiceSuggestsClosest() {
        check("model load m dtype=bfloat61", "expected one of float32, bfloat16, nf4 for 'dtype', found 'bfloat61'",
              column: 20, suggestion: "bfloat16")
    }

    func testEmptyListElement() {
        check("model load m targets=q,,v", "empty element in the list for 'targets'; expected list of string written a,b,c",
              column: 22)
    }

    func testBadListElement() {
        check("model load m sizes=1,x,3", "expected an integer for 'sizes', found 'x'", column: 20)
    }

    func testUndefinedVariableSuggestsClosest() {
        let scope = VariableScope.values(names: { ["learning_rate"] }, lookup: { $0 == "learning_rate" ? "1" : nil })
        let error = bindingError("echo $learning_rat", binder: binder, scope: scope)
        XCTAssertEqual(error?.message, "undefined variable '$learning_rat'; define it with 'set learning_rat = ...'")
        XCTAssertEqual(error?.location, SourceLocation(file: "r.sft", line: 1, column: 6))
        XCTAssertEqual(error?.suggestion, "learning_rate")
    }

    func testUndefinedVariableInRecipeCheck() throws {
        let recipe = Recipe(file: "r.sft", commands: try ParsedCommand.parse("echo $a\nset a = 1\necho $a", file: "r.sft"))
        let problems = recipe.check(known: [], binder: binder)
        XCTAssertEqual(problems.map(\.description),
                       ["r.sft:1:6: error: undefined variable '$a'; define it with 'set a = ...' before this line"])
    }

    func testDescriptionFormat() {
        let error = LanguageError("unknown verb 'ehco'", at: SourceLocation(file: "recipes/x.sft", line: 3, column: 1),
                                  suggestion: "echo")
        XCTAssertEqual(error.description, "recipes/x.sft:3:1: error: unknown verb 'ehco' (did you mean 'echo'?)")
    }

    func testEditDistance() {
        XCTAssertEqual(editDistance("ehco", "echo"), 1)
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertNil(closestWord(to: "xyz", in: ["echo", "help"]))
        XCTAssertEqual(closestWord(to: "he", in: ["echo", "help"]), "help")
    }
}
