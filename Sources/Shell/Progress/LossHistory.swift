import Foundation

/// The train and eval loss curves of a run, read from a `trainer_state.json` (the Hugging Face
/// Trainer's file, which our checkpoints also write): `log_history` entries with `step` and
/// `loss` (training) or `eval_loss`.
enum LossHistory {
    struct ReadError: Error, CustomStringConvertible {
        var file: String
        var problem: String
        var description: String { "\(file): \(problem)" }
    }

    /// The series that have points: "train" first, then "eval".
    static func read(_ file: String) throws -> [ChartSeries] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ReadError(file: file, problem: "cannot be read (does it exist?)")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ReadError(file: file, problem: "is not valid JSON")
        }
        guard let history = (root as? [String: Any])?["log_history"] as? [[String: Any]] else {
            throw ReadError(file: file, problem: "expected a key 'log_history' holding a list of objects (a trainer_state.json)")
        }
        var train: [ChartPoint] = [], eval: [ChartPoint] = []
        for (index, entry) in history.enumerated() {
            guard let step = (entry["step"] as? NSNumber)?.doubleValue else {
                throw ReadError(file: file, problem: "log_history[\(index)] has no numeric 'step'")
            }
            if let loss = (entry["loss"] as? NSNumber)?.doubleValue { train.append(ChartPoint(x: step, y: loss)) }
            if let loss = (entry["eval_loss"] as? NSNumber)?.doubleValue { eval.append(ChartPoint(x: step, y: loss)) }
        }
        return [ChartSeries(name: "train", points: train), ChartSeries(name: "eval", points: eval)]
            .filter { !$0.points.isEmpty }
    }
}
