import Foundation

/// One report from long-running work (training): where it is and how fast it goes.
struct ProgressSnapshot: Sendable, Equatable {
    var step: Int
    var totalSteps: Int
    var loss: Double?
    var tokensPerSecond: Double?
    /// Seconds since the work started.
    var elapsed: Double

    /// Seconds left at the average pace so far, or nil before the first step or after the last.
    var remaining: Double? {
        guard step > 0, totalSteps > step else { return nil }
        return elapsed / Double(step) * Double(totalSteps - step)
    }

    var fraction: Double {
        let value = totalSteps > 0 ? Double(step) / Double(totalSteps) : 0
        return value.isFinite ? min(1, max(0, value)) : 0
    }
}

/// The text of progress reports: a bar for terminals, a key=value line for logs.
enum ProgressFormat {
    /// `label  120/1000 [███▌      ]  12% loss 1.2345  812 tok/s  ETA 3m12s`, exactly `width`
    /// characters or fewer: the bar takes what the other fields leave (at least 10).
    static func bar(_ snapshot: ProgressSnapshot, label: String, width: Int) -> String {
        let digits = String(snapshot.totalSteps).count
        let counter = String(repeating: " ", count: max(0, digits - String(snapshot.step).count))
            + "\(snapshot.step)/\(snapshot.totalSteps)"
        let percentValue = String(Int((snapshot.fraction * 100).rounded(.down)))
        let percent = String(repeating: " ", count: 3 - percentValue.count) + percentValue + "%"
        var tail = [percent]
        if let loss = snapshot.loss { tail.append("loss \(String(format: "%.4f", loss))") }
        if let rate = snapshot.tokensPerSecond { tail.append("\(whole(rate)) tok/s") }
        if let remaining = snapshot.remaining {
            tail.append("ETA \(duration(remaining))")
        } else if snapshot.step >= snapshot.totalSteps {
            tail.append("in \(duration(snapshot.elapsed))")
        }
        let fixed = "\(label) \(counter) [] \(tail.joined(separator: "  "))"
        let barWidth = max(10, width - fixed.count)
        return "\(label) \(counter) [\(blocks(snapshot.fraction, width: barWidth))] \(tail.joined(separator: "  "))"
    }

    /// `label step=120/1000 (12%) loss=1.2345 tok/s=812 elapsed=1m00s eta=3m12s`.
    static func logLine(_ snapshot: ProgressSnapshot, label: String) -> String {
        var fields = ["\(label) step=\(snapshot.step)/\(snapshot.totalSteps) (\(Int((snapshot.fraction * 100).rounded(.down)))%)"]
        if let loss = snapshot.loss { fields.append("loss=\(String(format: "%.4f", loss))") }
        if let rate = snapshot.tokensPerSecond { fields.append("tok/s=\(whole(rate))") }
        fields.append("elapsed=\(duration(snapshot.elapsed))")
        if let remaining = snapshot.remaining { fields.append("eta=\(duration(remaining))") }
        return fields.joined(separator: " ")
    }

    /// A bar of `width` cells filled to `fraction`, in eighths of a cell.
    static func blocks(_ fraction: Double, width: Int) -> String {
        let eighths = Int((fraction * Double(width * 8)).rounded(.down))
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var bar = String(repeating: "█", count: eighths / 8)
        if eighths / 8 < width { bar += partials[eighths % 8] }
        return bar + String(repeating: " ", count: max(0, width - bar.count))
    }

    /// A rate rounded to a whole number, or `?` when it is not finite.
    private static func whole(_ x: Double) -> String {
        x.isFinite && abs(x) < 1e15 ? String(Int(x.rounded())) : "?"
    }

    /// `45s`, `3m12s`, `2h05m`; `?` for a time that is not a finite non-negative number.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return "?" }
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }
}
