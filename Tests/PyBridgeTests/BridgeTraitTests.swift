import XCTest
import PyBridge

final class BridgeTraitTests: XCTestCase {
    func testTraitDecidesTheBridge() {
        #if PythonBridge
        XCTAssertTrue(pythonBridgeAvailable)
        #else
        XCTAssertFalse(pythonBridgeAvailable)
        #endif
    }
}
