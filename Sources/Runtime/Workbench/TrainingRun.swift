import Foundation

/// What `train` needs beyond the trainer's own configuration: batch shape, sequence length,
/// packing, where checkpoints go and where to resume from.
public struct TrainingSettings: Sendable {
    public var config = TrainingConfig()
    public var batchSize = 4
    public var maxLength = 1024
    /// Pack several examples per row (block-diagonal attention) instead of padding each.
    public var packing = false
    public var outputDir: URL?
    /// A checkpoint folder, or an output folder whose latest checkpoint is taken.
    public var resume: URL?

    public init() {}
}

/// A finished (or stopped) run: the trainer's outcome, the eval loss on the test rows before
/// and after, and the files written next to the checkpoints.
public struct TrainingRun: Sendable {
    public var outcome: TrainingOutcome
    public var trainExamples: Int
    public var evalLossBefore: Double?
    public var evalLossAfter: Double?
    /// `trainer_state.json` of the run's final state (in the output folder), when there is one.
    public var stateFile: URL?
}

extension LoadedModel {
    /// Tokenizes the data, measures the test loss, runs the SFT loop, measures again and writes
    /// the final trainer_state.json beside the checkpoints. `onEvent` sees every trainer event
    /// and may answer `.stop` (a checkpoint is then saved). The model must have trainable
    /// parameters (apply LoRA first).
    public func train(on data: WorkingData, settings: TrainingSettings,
                      onEvent: (TrainingEvent) -> TrainingControl = { _ in .proceed }) throws -> TrainingRun {
        let trainSet = try data.tokenized(.train, model: self, maxLength: settings.maxLength)
        let pad = tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0
        let pack = settings.packing ? settings.maxLength : nil
        let schedule = try EpochSchedule(dataset: trainSet, batchSize: settings.batchSize, seed: settings.config.seed,
                                         padId: pad, packCapacity: pack)
        let evalSchedule = try data.test.map { _ in
            try EpochSchedule(dataset: try data.tokenized(.test, model: self, maxLength: settings.maxLength),
                              batchSize: settings.batchSize, shuffle: false, padId: pad)
        }
        let trainer = try SFTTrainer(model: network, config: settings.config, lora: lora, train: schedule,
                                     eval: evalSchedule, outputDir: settings.outputDir)
        if let resume = settings.resume {
            let folder = TrainingCheckpoint.latest(in: resume) ?? resume
            try trainer.resume(from: folder)
        }
        let before = evalSchedule.map { meanLoss(network, $0) }
        let outcome = try trainer.run(onEvent: onEvent)
        let after = evalSchedule.flatMap { _ in outcome.state.logHistory.last?.evalLoss }
        var stateFile: URL?
        if let dir = settings.outputDir {
            stateFile = dir.appendingPathComponent("trainer_state.json")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try AtomicFile.write(try encoder.encode(outcome.state), to: stateFile!)
        }
        return TrainingRun(outcome: outcome, trainExamples: trainSet.examples.count, evalLossBefore: before,
                           evalLossAfter: after, stateFile: stateFile)
    }

    /// Mean next-token loss over the supervised tokens of a data part (no gradients).
    public func evalLoss(on data: WorkingData, part: DataPart = .test, maxLength: Int, batchSize: Int = 4) throws -> Double {
        let set = try data.tokenized(part, model: self, maxLength: maxLength)
        let schedule = try EpochSchedule(dataset: set, batchSize: batchSize, shuffle: false,
                                         padId: tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0)
        return meanLoss(network, schedule)
    }
}
