import Foundation

/// How a run trains: the knobs of HF's TrainingArguments that SFT uses, with HF's defaults
/// (AdamW 0.9/0.999/1e-8, no weight decay, linear schedule, clipping at 1.0, seed 42) except
/// the learning rate, which defaults to TRL's SFT value.
public struct TrainingConfig: Codable, Sendable, Equatable {
    public enum Schedule: String, Codable, Sendable, CaseIterable { case constant, linear, cosine }

    public var learningRate: Double = 2e-5
    public var schedule: Schedule = .linear
    /// Warmup in optimizer steps; when zero, `warmupRatio` of the total steps.
    public var warmupSteps: Int = 0
    public var warmupRatio: Double = 0
    public var epochs: Double = 1
    /// When positive, the run stops after this many optimizer steps whatever `epochs` says.
    public var maxSteps: Int = 0
    /// Micro-batches per optimizer step; the loss is normalized by the supervised tokens of
    /// all of them together.
    public var gradientAccumulation: Int = 1
    public var maxGradNorm: Double = 1.0
    public var weightDecay: Double = 0
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var epsilon: Double = 1e-8
    public var seed: UInt64 = 42
    public var loggingSteps: Int = 10
    /// Evaluate on the test split every this many steps (0: only at the end, when there is one).
    public var evalSteps: Int = 0
    /// Save a checkpoint every this many steps (0: only at the end).
    public var saveSteps: Int = 500
    /// Keep only the newest this many checkpoints (0: keep all).
    public var saveTotalLimit: Int = 0
    /// Half fine-tuning: when positive, a seeded half of the blocks trains in each round of
    /// this many steps (full fine-tuning only).
    public var halfFineTuningRoundSteps: Int = 0

    public init() {}

    /// The total optimizer steps for `batchesPerEpoch` micro-batches per epoch.
    public func totalSteps(batchesPerEpoch: Int) -> Int {
        if maxSteps > 0 { return maxSteps }
        let stepsPerEpoch = max(1, (batchesPerEpoch + gradientAccumulation - 1) / gradientAccumulation)
        return max(1, Int((epochs * Double(stepsPerEpoch)).rounded(.up)))
    }

    /// The warmup steps for a run of `total` steps.
    public func warmup(total: Int) -> Int {
        warmupSteps > 0 ? warmupSteps : Int((warmupRatio * Double(total)).rounded(.up))
    }

    /// Checks values a user typed; names the offending setting.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw TrainingError.invalidSetting(key: key, reason: reason) }
        }
        try check(learningRate > 0 && learningRate.isFinite, "lr", "must be a positive number, got \(learningRate)")
        try check(epochs > 0 || maxSteps > 0, "epochs", "must be positive (or set max_steps)")
        try check(gradientAccumulation >= 1, "grad_accum", "must be at least 1")
        try check(maxGradNorm >= 0, "max_grad_norm", "must not be negative")
        try check((0..<1).contains(warmupRatio), "warmup_ratio", "must be in [0, 1)")
        try check(warmupSteps >= 0 && maxSteps >= 0 && loggingSteps >= 0 && evalSteps >= 0 && saveSteps >= 0
                  && saveTotalLimit >= 0 && halfFineTuningRoundSteps >= 0, "steps", "step counts must not be negative")
    }
}

/// The learning rate of optimizer step `step` (0-based) of `total`, HF's schedules: linear
/// warmup from 0, then constant, linear decay to 0, or half a cosine to 0.
public func learningRate(at step: Int, total: Int, warmup: Int, peak: Double, schedule: TrainingConfig.Schedule) -> Double {
    if step < warmup { return peak * Double(step) / Double(max(1, warmup)) }
    let progress = Double(step - warmup) / Double(max(1, total - warmup))
    switch schedule {
    case .constant: return peak
    case .linear: return peak * max(0, 1 - progress)
    case .cosine: return peak * max(0, 0.5 * (1 + cos(Double.pi * progress)))
    }
}

/// Why training stopped with an error. The last saved checkpoint is untouched in every case.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidSetting(key: String, reason: String)
    case nonFiniteLoss(step: Int, loss: Double)
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSetting(key, reason): return "\(key): \(reason)"
        case let .nonFiniteLoss(step, loss):
            return "loss became \(loss) at step \(step); training stopped (the last checkpoint is intact: lower the learning rate?)"
        case let .checkpoint(path, reason): return "\(path): \(reason)"
        }
    }
}
