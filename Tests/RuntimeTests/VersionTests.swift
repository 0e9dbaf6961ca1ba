import XCTest
import Runtime

final class VersionTests: XCTestCase {
    func testVersionIsSemantic() {
        XCTAssertEqual(SFTVersion.string.split(separator: ".").count, 3)
    }
}
