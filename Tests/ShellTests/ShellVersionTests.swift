import XCTest
@testable import Shell

final class ShellVersionTests: XCTestCase {
    func testLinks() { XCTAssertTrue(true) }
}
