import Foundation
import XCTest
@testable import Shell

/// Tab completion candidates, from the specs and the file system.
final class CompletionTests: XCTestCase {
    let completer = Completer(specs: CommandRegistry.all.map(\.spec).filter { $0.verb != "model" } + [
        CommandSpec(verb: "model", subverb: "load", summary: "",
                    positionals: [.required("path", .path, "")],
                    options: [.optional("dtype", .choice(["float32", "bfloat16", "nf4"]), ""),
                              .optional("merge", .bool, "")]),
        CommandSpec(verb: "model", subverb: "info", summary: ""),
    ])

    private func texts(_ before: String, _ word: String) -> [String] {
        completer.complete(before: before, word: word).map(\.text)
    }

    func testVerbsAndAliases() {
        XCTAssertEqual(texts("", "e"), ["echo", "eval", "exit", "export"])
        XCTAssertEqual(texts("", "q"), ["quantize", "quit"])
        XCTAssertEqual(completer.complete(before: "", word: "he"), [Completion(text: "help", appendsSpace: true)])
    }

    func testSubverbsThenArgumentNames() {
        XCTAssertEqual(texts("model ", ""), ["info", "load"])
        XCTAssertEqual(texts("model load x.gguf ", "d"), ["dtype="])
        XCTAssertEqual(completer.complete(before: "model load x.gguf ", word: "m"), [Completion(text: "merge=", appendsSpace: false)])
        XCTAssertEqual(texts("model load x.gguf dtype=nf4 ", ""), ["merge=", "path="], "given names are not offered again")
    }

    func testValuesOfChoicesAndBools() {
        XCTAssertEqual(texts("model load x dtype=", "b"), ["bfloat16"])
        XCTAssertEqual(texts("model load x merge=", ""), ["true", "false"].sorted())
        XCTAssertEqual(texts("help ", "ru"), ["run"])
    }

    func testVariablesAfterDollar() {
        var withVariables = completer
        withVariables.variables = ["learning_rate", "lora_rank", "epochs"]
        XCTAssertEqual(withVariables.complete(before: "echo $", word: "l").map(\.text), ["learning_rate", "lora_rank"])
        XCTAssertEqual(withVariables.complete(before: "echo ${", word: "e"), [Completion(text: "epochs", appendsSpace: false)])
    }

    func testPaths() throws {
        let folder = try temporaryFolder(self)
        try writeFile("", "train.jsonl", in: folder)
        try writeFile("", ".hidden", in: folder)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        let prefix = folder.path + "/"
        XCTAssertEqual(completer.complete(before: "model load ", word: prefix),
                       [Completion(text: prefix + "data/", appendsSpace: false),
                        Completion(text: prefix + "train.jsonl", appendsSpace: true)])
        XCTAssertEqual(texts("run ", prefix + "."), [prefix + ".hidden"])
        XCTAssertEqual(texts("model load path=", prefix + "tr"), [prefix + "train.jsonl"])
    }
}

/// Ctrl-C during a command raises the flag long work polls; the process survives it.
final class InterruptTests: XCTestCase {
    func testSignalRaisesTheFlagAndClearResetsIt() {
        Interrupt.install()
        Interrupt.setCommandRunning(true)
        defer {
            Interrupt.setCommandRunning(false)
            signal(SIGINT, SIG_DFL)
        }
        XCTAssertFalse(Interrupt.requested)
        raise(SIGINT)
        XCTAssertTrue(Interrupt.requested)
        Interrupt.clear()
        XCTAssertFalse(Interrupt.requested)
    }

    func testRecipeStopsBeforeTheNextCommandWhenInterrupted() throws {
        let folder = try temporaryFolder(self)
        let recipe = try writeFile("echo one\necho two\n", "r.sft", in: folder)
        Interrupt.install()
        defer { signal(SIGINT, SIG_DFL); Interrupt.clear() }
        raise(SIGINT)
        let harness = ShellHarness()
        XCTAssertEqual(harness.run("run \(recipe)"), "\(recipe):1:1: error: interrupted before this command")
        XCTAssertEqual(harness.text, "")
    }
}
