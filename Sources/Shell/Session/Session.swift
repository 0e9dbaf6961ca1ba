import Foundation

/// Something a verb keeps in the session (a model, a data set, adapters, metrics); `show`
/// prints its one-line summary.
protocol SessionState {
    var summary: String { get }
}

/// A typed key into the session. Verbs declare theirs beside themselves:
/// `extension SessionSlot where Value == LoadedModel { static let model = SessionSlot(name: "model") }`.
struct SessionSlot<Value: SessionState>: Sendable {
    let name: String
}

/// The state that lives between commands, like a Jupyter kernel's: variables and whatever the
/// verbs have loaded. One per REPL or `sft run`; nested recipes share it.
final class Session {
    /// `set` variables, by name.
    private(set) var variables: [String: String] = [:]
    private var slots: [String: SessionState] = [:]
    private var slotOrder: [String] = []

    init() {}

    func setVariable(_ name: String, _ value: String) { variables[name] = value }

    func removeVariable(_ name: String) { variables[name] = nil }

    func value<Value>(_ slot: SessionSlot<Value>) -> Value? { slots[slot.name] as? Value }

    /// Stores (or with nil, drops) the value in `slot`.
    func set<Value>(_ slot: SessionSlot<Value>, _ value: Value?) {
        if let value {
            if slots[slot.name] == nil { slotOrder.append(slot.name) }
            slots[slot.name] = value
        } else {
            removeState(named: slot.name)
        }
    }

    /// The loaded state in the order it was first stored: name and summary.
    var state: [(name: String, summary: String)] {
        slotOrder.compactMap { name in slots[name].map { (name, $0.summary) } }
    }

    /// Drops one slot by name; false when nothing is stored under it.
    @discardableResult
    func removeState(named name: String) -> Bool {
        guard slots.removeValue(forKey: name) != nil else { return false }
        slotOrder.removeAll { $0 == name }
        return true
    }

    /// Forgets everything: variables and state.
    func reset() {
        variables = [:]
        slots = [:]
        slotOrder = []
    }
}
