import Foundation
import XCTest
import TestSupport
@testable import Shell

/// Ctrl-C during `train` in the `sft` binary: the run stops at the next step with a checkpoint.
final class TrainInterruptTests: XCTestCase {
    func testInterruptStopsTrainingWithACheckpoint() throws {
        let folder = try temporaryFolder(self)
        let out = folder.appendingPathComponent("out").path
        let recipe = try writeFile("""
            model load \(fixtureURL("workbench/tiny-llama").path)
            data load \(fixtureURL("workbench/tasks.jsonl").path)
            data template plain
            lora r=2 targets=q_proj
            train max_steps=100000 batch=2 max_len=32 save_every=0 out=\(out)
            """, "long-train.sft", in: folder)
        let process = Process()
        process.executableURL = try sftExecutable()
        process.arguments = ["run", recipe]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The first progress line is printed after step 1: then interrupt.
        var seen = ""
        while !seen.contains("train step=") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        process.interrupt()
        let rest = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = seen + rest
        XCTAssertEqual(process.terminationReason, .exit, "sft handled SIGINT itself")
        XCTAssertTrue(text.contains("(interrupted)"), text)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("checkpoint-") }
        XCTAssertEqual(checkpoints.count, 1, "a checkpoint is saved when training stops: \(checkpoints)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/trainer_state.json"))
    }
}
