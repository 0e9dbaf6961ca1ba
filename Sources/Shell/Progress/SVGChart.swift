import Foundation

/// A line chart as a standalone SVG document: axes with five ticks each, one polyline per
/// series (later series also get point markers), a legend and a title. Pure text, so it can be
/// embedded in a notebook as `image/svg+xml` or written next to checkpoints.
enum SVGChart {
    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]

    static func render(_ series: [ChartSeries], width: Int = 640, height: Int = 360,
                       title: String = "loss", xLabel: String = "step", yLabel: String = "loss") -> String {
        let left = 64.0, right = 16.0, top = 32.0, bottom = 48.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
            <rect x="0" y="0" width="\(width)" height="\(height)" fill="white"/>
            <text x="\(fmt(Double(width) / 2))" y="20" text-anchor="middle" font-size="14">\(escape(title))</text>

            """
        guard let bounds = ChartBounds(series) else {
            return svg + "<text x=\"\(fmt(Double(width) / 2))\" y=\"\(fmt(Double(height) / 2))\" text-anchor=\"middle\">no data</text>\n</svg>\n"
        }
        func sx(_ x: Double) -> Double { left + bounds.unitX(x) * plotWidth }
        func sy(_ y: Double) -> Double { top + (1 - bounds.unitY(y)) * plotHeight }
        svg += "<g class=\"axes\" stroke=\"#333\" stroke-width=\"1\">\n"
        svg += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top + plotHeight))\" x2=\"\(fmt(left + plotWidth))\" y2=\"\(fmt(top + plotHeight))\"/>\n"
        svg += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top))\" x2=\"\(fmt(left))\" y2=\"\(fmt(top + plotHeight))\"/>\n"
        svg += "</g>\n<g class=\"ticks\" fill=\"#333\">\n"
        for i in 0...4 {
            let t = Double(i) / 4
            let xValue = bounds.minX + t * (bounds.maxX - bounds.minX)
            let yValue = bounds.minY + t * (bounds.maxY - bounds.minY)
            svg += "<text x=\"\(fmt(sx(xValue)))\" y=\"\(fmt(top + plotHeight + 16))\" text-anchor=\"middle\">\(TerminalChart.label(xValue))</text>\n"
            svg += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(sy(yValue) + 4))\" text-anchor=\"end\">\(TerminalChart.label(yValue))</text>\n"
        }
        svg += "<text x=\"\(fmt(left + plotWidth / 2))\" y=\"\(fmt(Double(height) - 8))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text x=\"14\" y=\"\(fmt(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(fmt(top + plotHeight / 2)))\">\(escape(yLabel))</text>\n"
        svg += "</g>\n"
        for (index, curve) in series.enumerated() {
            let color = colors[index % colors.count]
            // Points whose screen position overflows (a range too wide to scale) are left out.
            let points = curve.points.filter { sx($0.x).isFinite && sy($0.y).isFinite }
            let coordinates = points.map { "\(fmt(sx($0.x))),\(fmt(sy($0.y)))" }.joined(separator: " ")
            svg += "<polyline class=\"series\" data-name=\"\(escape(curve.name))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(coordinates)\"/>\n"
            if index > 0 {
                for p in points {
                    svg += "<circle cx=\"\(fmt(sx(p.x)))\" cy=\"\(fmt(sy(p.y)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
                }
            }
            let legendY = top + 6 + Double(index) * 16
            svg += "<line x1=\"\(fmt(left + plotWidth - 90))\" y1=\"\(fmt(legendY))\" x2=\"\(fmt(left + plotWidth - 70))\" y2=\"\(fmt(legendY))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            svg += "<text x=\"\(fmt(left + plotWidth - 64))\" y=\"\(fmt(legendY + 4))\">\(escape(curve.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Writes the chart atomically (temporary file, then rename).
    static func write(_ series: [ChartSeries], to path: String, title: String = "loss") throws {
        try Data(render(series, title: title).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    private static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
