import Foundation

/// A line chart drawn with text: the first series as a braille line (2x4 dots per character),
/// the others as markers (`•`, `×`, `+`), a y axis with max/middle/min labels, the x range below
/// and a legend. Plain characters only, no colors, so it reads the same in logs.
enum TerminalChart {
    static let markers: [Character] = ["•", "×", "+", "o"]

    /// `width` x `height` characters of plot area (plus axes and labels).
    static func render(_ series: [ChartSeries], width: Int = 60, height: Int = 12, title: String? = nil) -> String {
        precondition(width >= 2 && height >= 2, "chart needs at least 2x2 cells, got \(width)x\(height)")
        guard let bounds = ChartBounds(series) else { return (title.map { $0 + "\n" } ?? "") + "(no data to plot)" }
        // dots[row][column] for the braille grid: [4*height][2*width], row 0 at the top.
        var dots = [[Bool]](repeating: [Bool](repeating: false, count: 2 * width), count: 4 * height)
        var cellMarks = [[Character?]](repeating: [Character?](repeating: nil, count: width), count: height)
        // A dot for a point, or nil when the data's range is too wide to scale (overflow).
        func pixel(_ p: ChartPoint) -> (x: Int, y: Int)? {
            let x = (bounds.unitX(p.x) * Double(2 * width - 1)).rounded()
            let y = ((1 - bounds.unitY(p.y)) * Double(4 * height - 1)).rounded()
            guard x.isFinite, y.isFinite else { return nil }
            return (min(2 * width - 1, max(0, Int(x))), min(4 * height - 1, max(0, Int(y))))
        }
        for (index, curve) in series.enumerated() {
            let points = curve.points.filter { $0.x.isFinite && $0.y.isFinite }.compactMap(pixel)
            if index == 0 {
                if points.count == 1 { dots[points[0].y][points[0].x] = true }
                for (a, b) in zip(points, points.dropFirst()) { drawLine(a, b, into: &dots) }
            } else {
                let marker = markers[(index - 1) % markers.count]
                for p in points { cellMarks[p.y / 4][p.x / 2] = marker }
            }
        }
        let top = label(bounds.maxY), middle = label((bounds.maxY + bounds.minY) / 2), bottom = label(bounds.minY)
        let labelWidth = max(top.count, middle.count, bottom.count)
        func pad(_ text: String) -> String { String(repeating: " ", count: labelWidth - text.count) + text }
        var lines: [String] = []
        if let title { lines.append(title) }
        for row in 0..<height {
            var text = ""
            for column in 0..<width {
                if let mark = cellMarks[row][column] { text.append(mark); continue }
                text.append(brailleCell(dots, row: row, column: column))
            }
            let axisLabel = row == 0 ? top : row == height - 1 ? bottom : row == height / 2 ? middle : nil
            lines.append(axisLabel.map { pad($0) + " ┤" } .map { $0 + text }
                         ?? String(repeating: " ", count: labelWidth) + " │" + text)
        }
        lines.append(String(repeating: " ", count: labelWidth) + " └" + String(repeating: "─", count: width))
        let left = label(bounds.minX), right = label(bounds.maxX)
        let gap = max(1, width - left.count - right.count)
        lines.append(String(repeating: " ", count: labelWidth + 2) + left + String(repeating: " ", count: gap) + right)
        var legend: [String] = []
        for (index, curve) in series.enumerated() {
            legend.append(index == 0 ? "⠤ \(curve.name)" : "\(markers[(index - 1) % markers.count]) \(curve.name)")
        }
        lines.append(String(repeating: " ", count: labelWidth + 2) + legend.joined(separator: "   "))
        return lines.joined(separator: "\n")
    }

    /// The braille character for the 2x4 dots of one cell (U+2800 + dot bits).
    private static func brailleCell(_ dots: [[Bool]], row: Int, column: Int) -> Character {
        // Bit of each dot, indexed [dy][dx]: the Unicode braille numbering.
        let bits: [[UInt32]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        var code: UInt32 = 0
        for dy in 0..<4 {
            for dx in 0..<2 where dots[row * 4 + dy][column * 2 + dx] { code |= bits[dy][dx] }
        }
        return code == 0 ? " " : Character(Unicode.Scalar(0x2800 + code)!)
    }

    /// Bresenham's line between two dots, both ends included.
    private static func drawLine(_ a: (x: Int, y: Int), _ b: (x: Int, y: Int), into dots: inout [[Bool]]) {
        var x = a.x, y = a.y
        let dx = abs(b.x - a.x), dy = -abs(b.y - a.y)
        let sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1
        var error = dx + dy
        while true {
            dots[y][x] = true
            if x == b.x && y == b.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }

    static func label(_ value: Double) -> String { String(format: "%.4g", value) }
}
