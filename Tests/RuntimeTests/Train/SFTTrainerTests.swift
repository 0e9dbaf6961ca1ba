import Foundation
import XCTest
import Runtime
import TestSupport

final class SFTTrainerTests: XCTestCase {
    /// A lookup task the tiny Llama can learn: prompt [1, x, y, 5], completion [f(x), 2].
    private func dataset(count: Int = 24) -> TokenizedDataset {
        let examples = (0..<count).map { i -> TokenizedExample in
            let x = 10 + i % 4
            let ids = [1, x, 40 + (i * 7) % 13, 5, 100 + 3 * x, 2]
            let labels = [-100, -100, -100, -100, 100 + 3 * x, 2]
            return TokenizedExample(inputIds: ids, labels: labels, index: i, line: i + 1)
        }
        var summary = TokenizationSummary()
        summary.rows = count
        summary.kept = count
        return TokenizedDataset(examples: examples, summary: summary)
    }

    private func loraModel(dropout: Double = 0) throws -> (any CausalLM, LoRAConfig) {
        let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/llama-tied")))
        let lora = LoRAConfig(r: 8, alpha: 16, dropout: dropout, targetModules: ["all-linear"])
        try applyLoRA(lora, to: model)
        return (model, lora)
    }

    private func settings(steps: Int, accumulation: Int = 1, lr: Double = 1e-2) -> TrainingConfig {
        var c = TrainingConfig()
        c.learningRate = lr
        c.maxSteps = steps
        c.gradientAccumulation = accumulation
        c.loggingSteps = 1
        c.schedule = .cosine
        c.warmupSteps = 2
        return c
    }

    private func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sft-train-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testLoRALearnsTheTaskDeterministically() throws {
        func run() throws -> [Double] {
            let (model, lora) = try loraModel()
            let schedule = try EpochSchedule(dataset: dataset(), batchSize: 4, padId: 0)
            var c = settings(steps: 40, lr: 2e-2)
            c.schedule = .constant
            let trainer = try SFTTrainer(model: model, config: c, lora: lora, train: schedule)
            return try trainer.run().state.logHistory.compactMap(\.loss)
        }
        let losses = try run()
        XCTAssertEqual(losses.count, 40)
        XCTAssertGreaterThan(losses[0], 3.0)
        XCTAssertLessThan(losses.suffix(5).reduce(0, +) / 5, 1.0, "\(losses)")
        XCTAssertEqual(try run(), losses, "same seed, same losses")
    }

    /// Stopped at step 4 and resumed from its checkpoint, a run (LoRA dropout on, shuffled
    /// data, accumulation 2) continues with exactly the uninterrupted run's losses.
    func testResumeContinuesExactly() throws {
        func trainer(_ steps: Int, _ out: URL) throws -> SFTTrainer {
            let (model, lora) = try loraModel(dropout: 0.1)
            var c = settings(steps: steps, accumulation: 2)
            c.saveSteps = 0
            let schedule = try EpochSchedule(dataset: dataset(count: 10), batchSize: 3, padId: 0)
            return try SFTTrainer(model: model, config: c, lora: lora, train: schedule, outputDir: out)
        }
        let full = try trainer(8, temporaryFolder()).run().state.logHistory.compactMap(\.loss)

        let out = temporaryFolder()
        let first = try trainer(8, out).run { event in
            if case .progress(let step, _, _, _) = event, step == 4 { return .stop }
            return .proceed
        }
        XCTAssertTrue(first.stoppedEarly)
        XCTAssertEqual(first.lastCheckpoint?.lastPathComponent, "checkpoint-4")
        let checkpoint = try XCTUnwrap(TrainingCheckpoint.latest(in: out))
        let resumed = try trainer(8, out)
        try resumed.resume(from: checkpoint)
        let rest = try resumed.run().state.logHistory.compactMap(\.loss)
        XCTAssertEqual(rest, full, "resumed history (4 restored + 4 new) equals the uninterrupted run")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint-8/adapter_model.safetensors").path))
    }

    func testCheckpointFolderReadsLikeHFAndKeepsNewest() throws {
        let (model, lora) = try loraModel()
        var c = settings(steps: 6)
        c.saveSteps = 2
        c.saveTotalLimit = 2
        let out = temporaryFolder()
        let schedule = try EpochSchedule(dataset: dataset(), batchSize: 4, padId: 0)
        _ = try SFTTrainer(model: model, config: c, lora: lora, train: schedule, outputDir: out).run()
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(names, ["checkpoint-4", "checkpoint-6"])
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("checkpoint-6/trainer_state.json"))) as! [String: Any]
        XCTAssertEqual(state["global_step"] as? Int, 6)
        XCTAssertEqual((state["log_history"] as? [[String: Any]])?.count, 6)
        XCTAssertNotNil((state["log_history"] as? [[String: Any]])?.first?["learning_rate"])
        let config = try AdapterFiles.loadConfig(from: out.appendingPathComponent("checkpoint-6"))
        XCTAssertEqual(config.r, 8)
    }

    func testNonFiniteLossStopsAndKeepsTheLastCheckpoint() throws {
        let (model, lora) = try loraModel()
        var c = settings(steps: 50, lr: 1e30)
        c.schedule = .constant
        c.warmupSteps = 0
        c.saveSteps = 1
        let out = temporaryFolder()
        let schedule = try EpochSchedule(dataset: dataset(), batchSize: 4, padId: 0)
        XCTAssertThrowsError(try SFTTrainer(model: model, config: c, lora: lora, train: schedule, outputDir: out).run()) { error in
            guard case TrainingError.nonFiniteLoss = error else { return XCTFail("\(error)") }
        }
        let last = try XCTUnwrap(TrainingCheckpoint.latest(in: out))
        XCTAssertTrue(FileManager.default.fileExists(atPath: last.appendingPathComponent("trainer_state.json").path))
    }

    /// Packing with the block-diagonal mask and restarted positions gives each example exactly
    /// the loss it has alone in a padded row.
    func testPackedBatchEqualsPaddedExamples() throws {
        let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/llama-tied")))
        let data = dataset(count: 6)
        let padded = try EpochSchedule(dataset: data, batchSize: 6, shuffle: false, padId: 0)
        let packed = try EpochSchedule(dataset: data, batchSize: 6, shuffle: false, padId: 0, packCapacity: 32)
        XCTAssertLessThan(packed.units.count, 6, "examples share rows")
        assertClose(meanLoss(model, packed), meanLoss(model, padded), rtol: 1e-5, atol: 0)
    }

    func testSchedulesFollowHF() {
        XCTAssertEqual(learningRate(at: 0, total: 10, warmup: 2, peak: 1, schedule: .linear), 0)
        XCTAssertEqual(learningRate(at: 1, total: 10, warmup: 2, peak: 1, schedule: .linear), 0.5)
        XCTAssertEqual(learningRate(at: 2, total: 10, warmup: 2, peak: 1, schedule: .linear), 1)
        XCTAssertEqual(learningRate(at: 6, total: 10, warmup: 2, peak: 1, schedule: .linear), 0.5)
        XCTAssertEqual(learningRate(at: 6, total: 10, warmup: 2, peak: 1, schedule: .cosine), 0.5, accuracy: 1e-12)
        XCTAssertEqual(learningRate(at: 9, total: 10, warmup: 0, peak: 2, schedule: .constant), 2)
        var c = TrainingConfig()
        c.epochs = 3
        c.gradientAccumulation = 4
        XCTAssertEqual(c.totalSteps(batchesPerEpoch: 10), 9)
        c.learningRate = -1
        XCTAssertThrowsError(try c.validate())
    }
}

final class FullAndHalfFineTuningTests: XCTestCase {
    private func dataset() -> TokenizedDataset {
        let examples = (0..<12).map { i -> TokenizedExample in
            let x = 10 + i % 4
            return TokenizedExample(inputIds: [1, x, 5, 100 + 3 * x, 2], labels: [-100, -100, -100, 100 + 3 * x, 2], index: i, line: i + 1)
        }
        var summary = TokenizationSummary()
        summary.rows = 12
        summary.kept = 12
        return TokenizedDataset(examples: examples, summary: summary)
    }

    private func settings(steps: Int, hft: Int = 0) -> TrainingConfig {
        var c = TrainingConfig()
        c.learningRate = 1e-3
        c.maxSteps = steps
        c.loggingSteps = 1
        c.schedule = .constant
        c.saveSteps = 0
        c.halfFineTuningRoundSteps = hft
        return c
    }

    func testFullFineTuningLowersTheLoss() throws {
        let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/gpt2")))
        let schedule = try EpochSchedule(dataset: dataset(), batchSize: 4, padId: 0)
        let losses = try SFTTrainer(model: model, config: settings(steps: 12), lora: nil, train: schedule).run()
            .state.logHistory.compactMap(\.loss)
        XCTAssertLessThan(losses.suffix(3).reduce(0, +) / 3, losses[0] * 0.7, "\(losses)")
    }

    /// Each round trains exactly the seeded half of the blocks; the other half stays bit for
    /// bit as it was, and the halves change between rounds.
    func testHalfFineTuningFreezesAHalfPerRound() throws {
        let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/llama3-rope")))
        let hft = HalfFineTuning(roundSteps: 2, seed: 42)
        let rounds = (0..<6).map { hft.trainedBlocks(round: $0, blockCount: 2) }
        XCTAssertTrue(rounds.allSatisfy { $0.count == 1 })
        XCTAssertGreaterThan(Set(rounds).count, 1, "the trained half changes between rounds")
        XCTAssertEqual(hft.trainedBlocks(round: 3, blockCount: 8), hft.trainedBlocks(round: 3, blockCount: 8))

        let frozenBlock = 1 - rounds[0].first!
        let before = model.namedParameters().filter { blockIndex(ofParameter: $0.name) == frozenBlock }.map { $0.tensor.scalars }
        let embedding = model.parameter(at: "model.embed_tokens.weight")!.scalars
        let schedule = try EpochSchedule(dataset: dataset(), batchSize: 4, padId: 0)
        _ = try SFTTrainer(model: model, config: settings(steps: 2, hft: 2), lora: nil, train: schedule).run()
        let after = model.namedParameters().filter { blockIndex(ofParameter: $0.name) == frozenBlock }.map { $0.tensor.scalars }
        XCTAssertEqual(after, before, "the frozen half is untouched")
        XCTAssertNotEqual(model.parameter(at: "model.embed_tokens.weight")!.scalars, embedding, "non-block weights train")
        XCTAssertEqual(blockIndex(ofParameter: "transformer.h.11.attn.c_attn.weight"), 11)
        XCTAssertNil(blockIndex(ofParameter: "model.norm.weight"))
    }

    func testHalfFineTuningResumesExactly() throws {
        func trainer(_ out: URL) throws -> SFTTrainer {
            let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/llama-tied")))
            let schedule = try EpochSchedule(dataset: dataset(), batchSize: 4, padId: 0)
            return try SFTTrainer(model: model, config: settings(steps: 6, hft: 2), lora: nil, train: schedule, outputDir: out)
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sft-hft-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let full = try trainer(base.appendingPathComponent("a")).run().state.logHistory.compactMap(\.loss)
        let out = base.appendingPathComponent("b")
        _ = try trainer(out).run { event in
            if case .progress(let step, _, _, _) = event, step == 3 { return .stop }
            return .proceed
        }
        let resumed = try trainer(out)
        try resumed.resume(from: try XCTUnwrap(TrainingCheckpoint.latest(in: out)))
        XCTAssertEqual(try resumed.run().state.logHistory.compactMap(\.loss), full)
        let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/llama-tied")))
        try applyLoRA(LoRAConfig(), to: model)
        let schedule = try EpochSchedule(dataset: dataset(), batchSize: 4, padId: 0)
        XCTAssertThrowsError(try SFTTrainer(model: model, config: settings(steps: 2, hft: 2), lora: LoRAConfig(), train: schedule))
    }
}
