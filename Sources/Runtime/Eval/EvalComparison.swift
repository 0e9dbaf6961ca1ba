/// Two reports side by side (base model vs. the model with an adapter), one row per metric.
public struct EvalComparison: Sendable, Equatable, Codable {
    public struct Row: Sendable, Equatable, Codable {
        public var name: String
        public var base: Double?
        public var candidate: Double?
        /// candidate - base, when both exist.
        public var delta: Double?
        /// Whether the candidate is better (by the metric's direction); nil when either value
        /// is missing or they are equal.
        public var candidateIsBetter: Bool?
    }

    public var baseModel: String
    public var candidateModel: String
    /// The base report's metrics in order, then any only the candidate has.
    public var rows: [Row]

    public init(base: EvalReport, candidate: EvalReport) {
        baseModel = base.model
        candidateModel = candidate.model
        var names = base.metrics.map(\.name)
        for m in candidate.metrics where !names.contains(m.name) { names.append(m.name) }
        rows = names.map { name in
            let b = base.metrics.first { $0.name == name }
            let c = candidate.metrics.first { $0.name == name }
            var row = Row(name: name, base: b?.value, candidate: c?.value, delta: nil, candidateIsBetter: nil)
            if let bv = b?.value, let cv = c?.value {
                row.delta = cv - bv
                let higherIsBetter = (b ?? c)!.higherIsBetter
                if cv != bv { row.candidateIsBetter = higherIsBetter ? cv > bv : cv < bv }
            }
            return row
        }
    }
}
