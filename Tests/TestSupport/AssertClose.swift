import Foundation
import XCTest

/// The one closeness check of the test suites: |a - b| <= atol + rtol * |b| elementwise,
/// where `expected` is the reference. On failure it names the worst index and both values.
public func assertClose<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [B], rtol: Double = 1e-5, atol: Double = 1e-6,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail("count \(actual.count) != expected \(expected.count) \(message())", file: file, line: line)
        return
    }
    var worst = -1
    var worstExcess = 0.0
    for i in actual.indices {
        let a = Double(actual[i]), b = Double(expected[i])
        let excess = abs(a - b) - (atol + rtol * abs(b))
        if !(excess <= 0) && (worst < 0 || excess > worstExcess || excess.isNaN) {
            worst = i
            worstExcess = excess
        }
    }
    if worst >= 0 {
        XCTFail("not close at [\(worst)]: \(actual[worst]) vs expected \(expected[worst]) (rtol \(rtol), atol \(atol)) \(message())",
                file: file, line: line)
    }
}

/// Scalar form of `assertClose`.
public func assertClose<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(
    _ actual: A, _ expected: B, rtol: Double = 1e-5, atol: Double = 1e-6,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    assertClose([actual], [expected], rtol: rtol, atol: atol, message(), file: file, line: line)
}

/// Committed fixtures live in Tests/Fixtures; tests find them relative to this source file,
/// so they never depend on the working directory or the network.
public func fixtureURL(_ relativePath: String) -> URL {
    URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
}
