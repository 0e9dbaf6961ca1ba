/// One curve of a chart (train loss, eval loss): named points in step order.
struct ChartSeries: Sendable, Equatable {
    var name: String
    var points: [ChartPoint]
}

struct ChartPoint: Sendable, Equatable {
    var x: Double
    var y: Double
}

/// The data bounds of several series; zero-width ranges are widened so they can be scaled.
struct ChartBounds: Equatable {
    var minX: Double, maxX: Double, minY: Double, maxY: Double

    init?(_ series: [ChartSeries]) {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        guard let first = points.first else { return nil }
        minX = first.x; maxX = first.x; minY = first.y; maxY = first.y
        for p in points {
            minX = min(minX, p.x); maxX = max(maxX, p.x)
            minY = min(minY, p.y); maxY = max(maxY, p.y)
        }
        if maxX == minX { minX -= 0.5; maxX += 0.5 }
        if maxY == minY {
            let pad = max(abs(minY) * 0.05, 1e-6)
            minY -= pad; maxY += pad
        }
    }

    /// x mapped to 0...1 (left to right).
    func unitX(_ x: Double) -> Double { (x - minX) / (maxX - minX) }
    /// y mapped to 0...1 (bottom to top).
    func unitY(_ y: Double) -> Double { (y - minY) / (maxY - minY) }
}
