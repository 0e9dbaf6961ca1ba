import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Shell

/// Loss curves as text and as SVG, on synthetic series.
final class ChartTests: XCTestCase {
    let train = ChartSeries(name: "train", points: [ChartPoint(x: 0, y: 1), ChartPoint(x: 1, y: 0)])

    func testBrailleDiagonal() {
        XCTAssertEqual(TerminalChart.render([train], width: 4, height: 2), """
              1 ┤⠑⢄  
              0 ┤  ⠑⢄
                └────
                 0  1
                 ⠤ train
            """)
    }

    func testSecondSeriesIsDrawnWithMarkers() {
        let eval = ChartSeries(name: "eval", points: [ChartPoint(x: 1, y: 0)])
        let chart = TerminalChart.render([train, eval], width: 4, height: 2, title: "loss")
        XCTAssertEqual(chart.split(separator: "\n")[0], "loss")
        XCTAssertEqual(chart.split(separator: "\n")[2], "  0 ┤  ⠑•")
        XCTAssertTrue(chart.hasSuffix("⠤ train   • eval"))
    }

    func testFlatAndEmptySeries() {
        let flat = ChartSeries(name: "train", points: (0..<10).map { ChartPoint(x: Double($0), y: 2) })
        let rows = TerminalChart.render([flat], width: 10, height: 3).split(separator: "\n")
        XCTAssertEqual(rows.count, 6)
        // The flat line sits mid-height: dot row 6 of 12, the third dot row of the second cell row.
        XCTAssertEqual(rows[1], "  2 ┤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤")
        XCTAssertEqual(TerminalChart.render([ChartSeries(name: "train", points: [])]), "(no data to plot)")
        let extreme = ChartSeries(name: "x", points: [ChartPoint(x: -1e308, y: .nan), ChartPoint(x: 1e308, y: 1e308),
                                                      ChartPoint(x: 0, y: -1e308)])
        XCTAssertFalse(TerminalChart.render([extreme]).isEmpty)
        XCTAssertFalse(SVGChart.render([extreme]).isEmpty)
    }

    /// Elements of an SVG document by name, with their attributes.
    private final class Elements: NSObject, XMLParserDelegate {
        var found: [(name: String, attributes: [String: String])] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String]) {
            found.append((name, attributes))
        }
    }

    func testSVGIsWellFormedWithOnePolylinePerSeries() throws {
        let steps = Array(stride(from: 10, through: 500, by: 10))
        let trainCurve = ChartSeries(name: "train <loss>", points: steps.map { ChartPoint(x: Double($0), y: 3 / (1 + Double($0) / 100)) })
        let evalCurve = ChartSeries(name: "eval", points: [100, 300, 500].map { ChartPoint(x: Double($0), y: 2.5 / (1 + Double($0) / 100)) })
        let svg = SVGChart.render([trainCurve, evalCurve], width: 640, height: 360)
        let elements = Elements()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = elements
        XCTAssertTrue(parser.parse(), "well-formed XML: \(parser.parserError.map(String.init(describing:)) ?? "")")
        XCTAssertEqual(elements.found.first?.name, "svg")
        XCTAssertEqual(elements.found.first?.attributes["viewBox"], "0 0 640 360")
        let polylines = elements.found.filter { $0.name == "polyline" }
        XCTAssertEqual(polylines.map { $0.attributes["data-name"] }, ["train <loss>", "eval"])
        let points = polylines.map { line in
            line.attributes["points"]!.split(separator: " ").map { pair in pair.split(separator: ",").map { Double($0)! } }
        }
        XCTAssertEqual(points.map(\.count), [50, 3])
        for point in points.joined() {
            XCTAssertTrue((64...624).contains(point[0]) && (32...312).contains(point[1]), "\(point) inside the plot area")
        }
        // Loss falls, so y (downward in SVG) grows along the train curve; x grows with the step.
        XCTAssertLessThan(points[0].first![1], points[0].last![1])
        XCTAssertEqual(points[0].first![0], 64, accuracy: 0.1)
        XCTAssertEqual(points[0].last![0], 624, accuracy: 0.1)
        XCTAssertEqual(elements.found.filter { $0.name == "circle" }.count, 3, "eval points are marked")
    }

    func testSVGWriteIsAtomicAndComplete() throws {
        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("loss.svg").path
        try SVGChart.write([train], to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("<svg ") && text.hasSuffix("</svg>\n"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["loss.svg"])
    }
}
