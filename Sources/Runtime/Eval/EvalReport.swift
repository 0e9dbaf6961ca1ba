import Foundation

/// One named number of an evaluation.
public struct EvalMetric: Sendable, Equatable, Codable {
    /// Stable key used in JSON and tables: "bleu", "chrf", "rouge1", "exact_match", "loss", ...
    public var name: String
    public var value: Double
    /// False for losses and perplexities, so comparisons know which way is better.
    public var higherIsBetter: Bool

    public init(name: String, value: Double, higherIsBetter: Bool = true) {
        self.name = name
        self.value = value
        self.higherIsBetter = higherIsBetter
    }
}

/// What the model answered for one example, saved next to the metrics so people can read it.
public struct PredictionRecord: Sendable, Equatable, Codable {
    public var index: Int
    public var prompt: String
    public var prediction: String
    public var references: [String]

    public init(index: Int, prompt: String, prediction: String, references: [String]) {
        self.index = index
        self.prompt = prompt
        self.prediction = prediction
        self.references = references
    }
}

/// The result of evaluating one model (or model + adapter) on one data set. Renders as JSON
/// (`metrics` is an object keyed by metric name) and is written with its predictions.
public struct EvalReport: Sendable, Equatable, Codable {
    /// Which model was evaluated, e.g. "base" or "adapter out/checkpoint-200".
    public var model: String
    /// Where the examples came from (a file or split name).
    public var dataset: String
    public var exampleCount: Int
    /// In the order they were computed; names are unique.
    public var metrics: [EvalMetric]

    public init(model: String, dataset: String, exampleCount: Int, metrics: [EvalMetric]) {
        self.model = model
        self.dataset = dataset
        self.exampleCount = exampleCount
        self.metrics = metrics
    }

    /// The value of metric `name`, if computed.
    public subscript(name: String) -> Double? { metrics.first { $0.name == name }?.value }

    /// The file names `write(to:predictions:)` uses inside its folder.
    public static let metricsFileName = "metrics.json"
    public static let predictionsFileName = "predictions.jsonl"

    /// Pretty-printed JSON with sorted keys; non-finite values become the strings "inf",
    /// "-inf" and "nan" (a perplexity can overflow).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// The report parsed back from `jsonData()`'s output.
    public init(jsonData data: Data) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        self = try decoder.decode(EvalReport.self, from: data)
    }

    /// Writes `metrics.json` and `predictions.jsonl` (one JSON object per line) into
    /// `directory`, creating it if needed; each file is written to a temporary file and renamed.
    public func write(to directory: URL, predictions: [PredictionRecord]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try jsonData().write(to: directory.appendingPathComponent(Self.metricsFileName), options: .atomic)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = Data()
        for p in predictions {
            lines.append(try encoder.encode(p))
            lines.append(0x0A)
        }
        try lines.write(to: directory.appendingPathComponent(Self.predictionsFileName), options: .atomic)
    }

    // `metrics` is an object {name: value} in JSON; direction comes back from the metric name.
    private enum CodingKeys: String, CodingKey { case model, dataset, exampleCount = "example_count", metrics }

    private struct MetricKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(exampleCount, forKey: .exampleCount)
        var m = c.nestedContainer(keyedBy: MetricKey.self, forKey: .metrics)
        for metric in metrics { try m.encode(metric.value, forKey: MetricKey(stringValue: metric.name)) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        dataset = try c.decode(String.self, forKey: .dataset)
        exampleCount = try c.decode(Int.self, forKey: .exampleCount)
        let m = try c.nestedContainer(keyedBy: MetricKey.self, forKey: .metrics)
        metrics = try m.allKeys.sorted { $0.stringValue < $1.stringValue }.map {
            EvalMetric(name: $0.stringValue, value: try m.decode(Double.self, forKey: $0),
                       higherIsBetter: !EvalMetric.lowerIsBetterNames.contains($0.stringValue))
        }
    }
}

extension EvalMetric {
    /// Metric names where a smaller value is better.
    public static let lowerIsBetterNames: Set<String> = ["loss", "perplexity", "completion_loss", "completion_perplexity"]
}
