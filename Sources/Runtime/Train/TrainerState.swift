import Foundation

/// One line of the training log, as HF's `log_history` records it.
public struct LogEntry: Codable, Sendable, Equatable {
    public var step: Int
    public var epoch: Double
    public var loss: Double?
    public var learningRate: Double?
    public var gradNorm: Double?
    public var evalLoss: Double?
    /// Training throughput and supervised tokens of the logged interval (sft's additions).
    public var tokensPerSecond: Double?
    public var supervisedTokens: Int?

    public init(step: Int, epoch: Double, loss: Double? = nil, learningRate: Double? = nil, gradNorm: Double? = nil,
                evalLoss: Double? = nil, tokensPerSecond: Double? = nil, supervisedTokens: Int? = nil) {
        self.step = step
        self.epoch = epoch
        self.loss = loss
        self.learningRate = learningRate
        self.gradNorm = gradNorm
        self.evalLoss = evalLoss
        self.tokensPerSecond = tokensPerSecond
        self.supervisedTokens = supervisedTokens
    }

    enum CodingKeys: String, CodingKey {
        case step, epoch, loss, learningRate = "learning_rate", gradNorm = "grad_norm", evalLoss = "eval_loss"
        case tokensPerSecond = "train_tokens_per_second", supervisedTokens = "num_supervised_tokens"
    }
}

/// `trainer_state.json` with HF's field names, plus where the data stands, so a checkpoint
/// folder reads like one written by transformers' Trainer and resumes exactly.
public struct TrainerState: Codable, Sendable, Equatable {
    public var globalStep: Int = 0
    public var epoch: Double = 0
    public var maxSteps: Int = 0
    public var numTrainEpochs: Double = 1
    public var loggingSteps: Int = 0
    public var evalSteps: Int = 0
    public var saveSteps: Int = 0
    public var trainBatchSize: Int = 0
    public var logHistory: [LogEntry] = []
    public var bestMetric: Double?
    public var bestModelCheckpoint: String?
    /// The next micro-batch the run will read.
    public var dataPosition: DataPosition = DataPosition()
    /// The per-layer random streams (LoRA dropout), by module path.
    public var generators: [String: SeededGenerator] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case globalStep = "global_step", epoch, maxSteps = "max_steps", numTrainEpochs = "num_train_epochs"
        case loggingSteps = "logging_steps", evalSteps = "eval_steps", saveSteps = "save_steps"
        case trainBatchSize = "train_batch_size", logHistory = "log_history", bestMetric = "best_metric"
        case bestModelCheckpoint = "best_model_checkpoint", dataPosition = "sft_data_position"
        case generators = "sft_generators"
    }
}
