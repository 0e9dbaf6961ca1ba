import Foundation
import XCTest
import TestSupport
@testable import Shell

/// The workflow verbs driven as a user would, through recipes on the tiny Llama fixture
/// (Tests/Fixtures/workbench, made by scripts/fixtures/workbench.py).
final class WorkbenchRecipeTests: XCTestCase {
    private let model = fixtureURL("workbench/tiny-llama").path
    private let tasks = fixtureURL("workbench/tasks.jsonl").path

    func testFineTuneRecipeEndToEnd() throws {
        let dir = try temporaryFolder(self)
        let recipe = try writeFile("""
            # load, template, inspect, LoRA, train, generate, save, merge, export
            model load \(model)
            data load \(tasks)
            data template plain
            data shuffle seed=1234
            data split test=0.2 seed=1234
            data show 1 max_len=48
            lora r=4 alpha=8 targets=q_proj,v_proj
            train max_steps=3 lr=1e-2 batch=2 max_len=48 logging=1 save_every=2 out=\(dir.path)/out
            generate "Sort the numbers." max_tokens=4
            adapter save \(dir.path)/adapter
            merge
            export \(dir.path)/merged
            show
            """, "tune.sft", in: dir)
        let shell = ShellHarness()
        XCTAssertNil(shell.run("run \(recipe)"), shell.errors)
        let out = dir.appendingPathComponent("out")
        for file in ["trainer_state.json", "loss.svg", "checkpoint-2", "checkpoint-3"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "missing \(file)")
        }
        for file in ["adapter/adapter_config.json", "adapter/adapter_model.safetensors", "merged/config.json",
                     "merged/model.safetensors", "merged/tokenizer.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "missing \(file)")
        }
        XCTAssertTrue(shell.text.contains("split: 8 train, 2 test"), shell.text)
        XCTAssertTrue(shell.text.contains("<<"), "data show marks the trained span: \(shell.text)")
        XCTAssertTrue(shell.text.contains("eval_loss_before") && shell.text.contains("eval_loss_after"), shell.text)
        XCTAssertTrue(shell.text.contains("LoRA on 4 layers"), shell.text)
        XCTAssertTrue(shell.text.contains("merged 4 adapter layers"), shell.text)
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trainer_state.json"))) as! [String: Any]
        XCTAssertEqual(state["global_step"] as? Int, 3)
        let losses = (state["log_history"] as! [[String: Any]]).compactMap { $0["loss"] as? Double }
        XCTAssertEqual(losses.count, 3)
        // `show` lists the session's state.
        for slot in ["model", "data", "metrics"] { XCTAssertTrue(shell.text.contains("\n\(slot) "), "show lacks \(slot)") }

        // The exported model and the saved adapter load in a fresh session.
        let fresh = ShellHarness()
        XCTAssertNil(fresh.run("model load \(dir.path)/merged"), fresh.errors)
        XCTAssertNil(fresh.run("model load \(model)\nadapter load \(dir.path)/adapter\nshow adapter"), fresh.errors)
        XCTAssertTrue(fresh.text.contains("adapter: LoRA r=4"), fresh.text)
    }

    func testResumeContinuesFromTheLatestCheckpoint() throws {
        let dir = try temporaryFolder(self)
        let setup = "model load \(model)\ndata load \(tasks)\ndata template plain\nlora r=2 targets=q_proj\n"
        let first = ShellHarness()
        XCTAssertNil(first.run(setup + "train max_steps=3 batch=4 max_len=40 lr=1e-2 logging=1 save_every=1 out=\(dir.path)/run"), first.errors)
        let firstState = try Data(contentsOf: dir.appendingPathComponent("run/checkpoint-3/trainer_state.json"))
        // As if the run had stopped after step 2: resume from that checkpoint.
        let second = ShellHarness()
        XCTAssertNil(second.run(setup + "train max_steps=3 batch=4 max_len=40 lr=1e-2 logging=1 save_every=1 out=\(dir.path)/again "
                                + "resume=\(dir.path)/run/checkpoint-2"), second.errors)
        XCTAssertTrue(second.text.contains("step=3/3"), second.text)
        XCTAssertFalse(second.text.contains("step=1/3"), "resumed run must start after step 2: \(second.text)")
        let resumedState = try Data(contentsOf: dir.appendingPathComponent("again/checkpoint-3/trainer_state.json"))
        func losses(_ data: Data) throws -> [Double] {
            let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            return (object["log_history"] as! [[String: Any]]).compactMap { $0["loss"] as? Double }
        }
        XCTAssertEqual(try losses(resumedState), try losses(firstState), "the resumed run equals the uninterrupted one")
    }

    func testTokenizerVerbs() {
        let shell = ShellHarness()
        XCTAssertNil(shell.run("tokenizer load \(model)\ntokenizer encode \"hello world\"\ntokenizer decode 541,72,262"), shell.errors)
        XCTAssertTrue(shell.text.contains("541,72,262,76,79,292,76,68"), shell.text)
        XCTAssertTrue(shell.text.contains("<|begin_of_text|>hel"), shell.text)
    }

    func testChatTakesTurnsThroughTheChatTemplate() {
        let shell = ShellHarness(answers: ["hello", "again", ""])
        XCTAssertNil(shell.run("model load \(model)\nchat max_tokens=3"), shell.errors)
        XCTAssertEqual(shell.text.components(separatedBy: "model> ").count - 1, 2, shell.text)
    }

    func testChatTemplateDataIsTrainedOnAssistantTurnsOnly() {
        let shell = ShellHarness()
        XCTAssertNil(shell.run("model load \(model)\ndata load \(fixtureURL("workbench/chat.jsonl").path)\ndata template chat\ndata show 1"),
                     shell.errors)
        XCTAssertTrue(shell.text.contains("Sort the numbers. 3 1 2<|im_end|>\n<|im_start|>assistant\n<<1 2 3<|im_end|>"), shell.text)
    }

    func testBadInputGivesLocatedErrors() throws {
        let dir = try temporaryFolder(self)
        let missing = ShellHarness()
        let error = missing.run("model load \(dir.path)/nope")
        XCTAssertTrue(error?.contains("<test>:1:") ?? false, error ?? "no error")

        let recipe = try writeFile("model load \(model)\nlora r=4 targets=qkv,dense\n", "bad-lora.sft", in: dir)
        let lora = ShellHarness()
        let loraError = lora.run("run \(recipe)") ?? "no error"
        XCTAssertTrue(loraError.contains("bad-lora.sft:2:") && loraError.contains("q_proj"), loraError)

        let columns = ShellHarness()
        let dataError = columns.run("data load \(fixtureURL("workbench/missing-column.jsonl").path)") ?? "no error"
        XCTAssertTrue(dataError.contains("missing-column.jsonl") && dataError.contains("3") && dataError.contains("output"), dataError)

        let noModel = ShellHarness()
        let trainError = noModel.run("train max_steps=1") ?? "no error"
        XCTAssertTrue(trainError.contains("model load"), trainError)

        let frozen = ShellHarness()
        let frozenError = frozen.run("model load \(model)\ndata load \(tasks)\nadapter save \(dir.path)/a") ?? "no error"
        XCTAssertTrue(frozenError.contains("<test>:3:") && frozenError.contains("no adapter"), frozenError)
    }

    func testShippedRecipesCheckCleanly() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("recipes")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sft") }
        for name in ["quickstart.sft", "code-gen.sft", "summarize.sft", "chat.sft"] { XCTAssertTrue(names.contains(name), name) }
        for name in names {
            let recipe = try Recipe.load(folder.appendingPathComponent(name).path)
            XCTAssertEqual(recipe.check(known: ["recipe_dir", "recipe"]).map(\.description), [], name)
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("#") && text.contains("How to run:"), "\(name) opens with how to run it")
        }
    }

    func testEveryWorkflowVerbHasHelp() {
        for verb in ["model", "tokenizer", "data", "lora", "train", "generate", "chat", "adapter", "merge", "export"] {
            let shell = ShellHarness()
            XCTAssertNil(shell.run("help \(verb)"), verb)
            XCTAssertTrue(shell.text.contains("example") || shell.text.contains("Example"), "help \(verb): \(shell.text)")
        }
    }
}
