import Foundation

/// What the trainer reports while it runs; the shell renders these (progress bar, log lines,
/// plots). The trainer itself never prints.
public enum TrainingEvent: Sendable {
    /// After every optimizer step: enough for a progress bar.
    case progress(step: Int, total: Int, loss: Double, tokensPerSecond: Double)
    /// Every `loggingSteps` steps: the averaged log line (also kept in `log_history`).
    case log(LogEntry)
    case evaluation(LogEntry)
    case checkpointSaved(URL)
}

/// The callback's answer: go on, or stop cleanly (a checkpoint is saved first).
public enum TrainingControl: Sendable { case proceed, stop }

/// How a run ended.
public struct TrainingOutcome: Sendable {
    public var state: TrainerState
    public var stoppedEarly: Bool
    public var lastCheckpoint: URL?
}

/// Supervised fine-tuning as a readable loop: micro-batches of the train schedule are
/// accumulated into one optimizer step whose loss is normalized by the supervised tokens of
/// the whole accumulated batch; gradients are clipped to a global norm; AdamW updates the
/// trainable parameters only (the frozen base never gets gradients or moments).
public final class SFTTrainer {
    public let model: any CausalLM
    public let config: TrainingConfig
    /// The adapter's settings when training LoRA (checkpoints then hold a PEFT adapter).
    public let lora: LoRAConfig?
    public let train: EpochSchedule
    public let eval: EpochSchedule?
    public let outputDir: URL?
    public private(set) var optimizer: AdamW
    public private(set) var state = TrainerState()

    public init(model: any CausalLM, config: TrainingConfig, lora: LoRAConfig?, train: EpochSchedule,
                eval: EpochSchedule? = nil, outputDir: URL? = nil) throws {
        try config.validate()
        if config.halfFineTuningRoundSteps > 0 && lora != nil {
            throw TrainingError.invalidSetting(key: "hft", reason: "half fine-tuning trains the model's own weights; it does not combine with LoRA")
        }
        guard model.parameterCount(trainableOnly: true) > 0 else {
            throw TrainingError.invalidSetting(key: "model", reason: "has no trainable parameters (apply LoRA or unfreeze)")
        }
        self.model = model
        self.config = config
        self.lora = lora
        self.train = train
        self.eval = eval
        self.outputDir = outputDir
        optimizer = AdamW(config: AdamW.Config(beta1: Float(config.beta1), beta2: Float(config.beta2),
                                               eps: Float(config.epsilon), weightDecay: Float(config.weightDecay)))
        state.maxSteps = config.totalSteps(batchesPerEpoch: train.batchesPerEpoch)
        state.numTrainEpochs = config.epochs
        state.loggingSteps = config.loggingSteps
        state.evalSteps = config.evalSteps
        state.saveSteps = config.saveSteps
        state.trainBatchSize = train.batchSize
    }

    /// Continues from a checkpoint folder: weights, optimizer moments, schedule, data order and
    /// random streams, so the rest of the run equals the uninterrupted one.
    public func resume(from folder: URL) throws {
        var restored = optimizer
        let planned = state
        state = try TrainingCheckpoint.load(from: folder, into: model, optimizer: &restored)
        optimizer = restored
        // This run's settings decide how far to go (HF: a resumed run may extend max_steps).
        state.maxSteps = planned.maxSteps
        state.numTrainEpochs = planned.numTrainEpochs
        state.loggingSteps = planned.loggingSteps
        state.evalSteps = planned.evalSteps
        state.saveSteps = planned.saveSteps
    }

    /// Trains until the configured number of steps, or until `onEvent` answers `.stop`.
    public func run(onEvent: (TrainingEvent) -> TrainingControl = { _ in .proceed }) throws -> TrainingOutcome {
        let total = state.maxSteps
        let warmup = config.warmup(total: total)
        var cursor = try EpochCursor(schedule: train, from: state.dataPosition)
        var window = LogWindow()
        var lastCheckpoint: URL?
        var stopped = false
        model.train(true)
        let halfFineTuning = config.halfFineTuningRoundSteps > 0
            ? HalfFineTuning(roundSteps: config.halfFineTuningRoundSteps, seed: config.seed) : nil
        var firstStep = true  // a resumed run may start inside a round
        while state.globalStep < total && !stopped {
            let started = Date()
            if let halfFineTuning, firstStep || state.globalStep % halfFineTuning.roundSteps == 0 {
                halfFineTuning.apply(to: model, step: state.globalStep)
            }
            firstStep = false
            let micro = (0..<config.gradientAccumulation).map { _ in cursor.next() }
            let supervised = micro.reduce(0) { $0 + supervisedTargets($1) }
            var gradients = Gradients()
            var lossSum = 0.0
            if supervised > 0 {
                for batch in micro {
                    let (batchLoss, batchGradients) = shardedLossAndGradients(model, batch, normalizer: supervised)
                    lossSum += batchLoss
                    gradients += batchGradients
                }
            }
            let loss = lossSum / Double(max(supervised, 1))
            guard loss.isFinite else { throw TrainingError.nonFiniteLoss(step: state.globalStep + 1, loss: loss) }
            let norm = clipGradientNorm(&gradients, maxNorm: config.maxGradNorm > 0 ? Float(config.maxGradNorm) : .infinity)
            let rate = learningRate(at: state.globalStep, total: total, warmup: warmup, peak: config.learningRate, schedule: config.schedule)
            optimizer.step(model: model, gradients: gradients, learningRate: Float(rate))

            state.globalStep += 1
            state.dataPosition = cursor.position
            state.epoch = Double(cursor.position.epoch) + Double(cursor.position.batch) / Double(train.batchesPerEpoch)
            let tokens = micro.reduce(0) { $0 + $1.realTokens }
            let seconds = Date().timeIntervalSince(started)
            window.add(loss: loss, supervised: supervised, tokens: tokens, seconds: seconds, norm: Double(norm), rate: rate)
            var control = onEvent(.progress(step: state.globalStep, total: total, loss: loss,
                                             tokensPerSecond: Double(tokens) / max(seconds, 1e-9)))
            if config.loggingSteps > 0 && (state.globalStep % config.loggingSteps == 0 || state.globalStep == total) {
                let entry = window.entry(step: state.globalStep, epoch: state.epoch)
                state.logHistory.append(entry)
                window = LogWindow()
                if onEvent(.log(entry)) == .stop { control = .stop }
            }
            if let eval, config.evalSteps > 0, state.globalStep % config.evalSteps == 0 {
                if onEvent(.evaluation(evaluate(eval))) == .stop { control = .stop }
            }
            stopped = control == .stop
            let due = config.saveSteps > 0 && state.globalStep % config.saveSteps == 0
            if let outputDir, due || stopped || state.globalStep == total {
                lastCheckpoint = try saveCheckpoint(outputDir)
                _ = onEvent(.checkpointSaved(lastCheckpoint!))
            }
        }
        if let eval, !stopped, config.evalSteps == 0 || state.globalStep % config.evalSteps != 0 {
            _ = onEvent(.evaluation(evaluate(eval)))
        }
        model.train(false)
        return TrainingOutcome(state: state, stoppedEarly: stopped, lastCheckpoint: lastCheckpoint)
    }

    /// Mean next-token loss over every supervised token of `schedule` (no gradients).
    public func evaluate(_ schedule: EpochSchedule) -> LogEntry {
        let loss = meanLoss(model, schedule)
        let entry = LogEntry(step: state.globalStep, epoch: state.epoch, evalLoss: loss)
        state.logHistory.append(entry)
        return entry
    }

    private func saveCheckpoint(_ outputDir: URL) throws -> URL {
        state.generators = Dictionary(uniqueKeysWithValues: loraLayers(of: model).map { ($0.path, $0.layer.generator) })
        return try TrainingCheckpoint.save(model: model, lora: lora, optimizer: optimizer, state: state,
                                           outputDir: outputDir, keep: config.saveTotalLimit)
    }
}

/// Mean next-token loss of `model` over every batch of `schedule` (one pass, no gradients).
public func meanLoss(_ model: any CausalLM, _ schedule: EpochSchedule) -> Double {
    let wasTraining = model.isTraining
    model.train(false)
    defer { model.train(wasTraining) }
    var sum = 0.0, count = 0
    withNoGrad {
        for b in 0..<schedule.batchesPerEpoch {
            let batch = schedule.batch(at: DataPosition(epoch: 0, batch: b))
            let (input, labels) = modelRows(batch)
            let loss = model.loss(input, labels: labels)
            sum += Double(loss.sum.item)
            count += loss.count
        }
    }
    return count == 0 ? .nan : sum / Double(count)
}

/// The model's view of a data batch, without its padding: when the batch has any, its examples
/// are laid end to end in one row with a sequence id each (the block-diagonal mask keeps them
/// apart, positions restart per example), so no layer computes on pad tokens. The loss and
/// gradients equal the padded batch's: every example's first label is masked, so no example
/// predicts the next one's first token. A batch without padding is passed as it is (rows
/// holding one example each need no block mask).
public func modelRows(_ batch: TokenBatch) -> (input: ModelInput, labels: [Int]) {
    let padded = batch.sequenceIds.contains(-1)
    if !padded {
        let packed = batch.sequenceIds.contains { $0 > 0 }
        return (ModelInput(ids: batch.inputIds, batch: batch.rows, length: batch.length, positions: batch.positionIds,
                           sequenceIds: packed ? batch.sequenceIds : nil), batch.labels)
    }
    let real = batch.sequenceIds.indices.filter { batch.sequenceIds[$0] >= 0 }
    // Sequence ids unique across rows: row r's example s becomes r * length + s.
    let sequences = real.map { ($0 / batch.length) * batch.length + batch.sequenceIds[$0] }
    let input = ModelInput(ids: real.map { batch.inputIds[$0] }, batch: 1, length: real.count,
                           positions: real.map { batch.positionIds[$0] }, sequenceIds: sequences)
    return (input, real.map { batch.labels[$0] })
}

/// Tokens the loss is computed on after the next-token shift.
public func supervisedTargets(_ batch: TokenBatch) -> Int {
    nextTokenTargets(batch.labels, length: batch.length).reduce(0) { $0 + ($1 == -100 ? 0 : 1) }
}

/// Averages of the steps since the last log line.
private struct LogWindow {
    var lossSum = 0.0, supervised = 0, tokens = 0, seconds = 0.0, steps = 0, norm = 0.0, rate = 0.0

    mutating func add(loss: Double, supervised s: Int, tokens t: Int, seconds sec: Double, norm n: Double, rate r: Double) {
        lossSum += loss; supervised += s; tokens += t; seconds += sec; steps += 1; norm = n; rate = r
    }

    func entry(step: Int, epoch: Double) -> LogEntry {
        LogEntry(step: step, epoch: epoch, loss: lossSum / Double(max(steps, 1)), learningRate: rate, gradNorm: norm,
                 tokensPerSecond: Double(tokens) / max(seconds, 1e-9), supervisedTokens: supervised)
    }
}
