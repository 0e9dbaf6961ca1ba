/// Inputs to a metric that do not fit together (they come from user data files, so they are
/// reported, not trapped).
public enum EvalInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `what` has `actual` entries where `expected` were needed (one per prediction).
    case countMismatch(what: String, expected: Int, actual: Int)
    /// Example `index` (0-based) has no reference to score against.
    case noReferences(index: Int)
    /// A value that must be a finite number is not (e.g. a negative log-likelihood).
    case notFinite(what: String, index: Int)

    public var description: String {
        switch self {
        case let .countMismatch(what, expected, actual):
            return "\(what): expected \(expected) entries (one per prediction), got \(actual)"
        case let .noReferences(index):
            return "example \(index) has no reference"
        case let .notFinite(what, index):
            return "\(what)[\(index)] is not a finite number"
        }
    }
}

/// Checks that every prediction has at least one reference.
func checkReferences(_ references: [[String]], predictions: Int) throws {
    guard references.count == predictions else {
        throw EvalInputError.countMismatch(what: "references", expected: predictions, actual: references.count)
    }
    if let i = references.firstIndex(where: { $0.isEmpty }) { throw EvalInputError.noReferences(index: i) }
}
