import Glibc
import XCTest
@testable import PyBridge

/// The embedded interpreter is set up as FACTS.md requires, whatever python3 is first on PATH.
final class EmbeddedPythonTests: XCTestCase {
    func testInterpreterIsTheSystemOneIsolatedAndWithoutSignalHandlers() throws {
        #if PythonBridge
        let python = EmbeddedPython.shared
        XCTAssertEqual(try python.evaluate("__import__('sys').prefix"), "/usr")
        XCTAssertEqual(try python.evaluate("__import__('sys').version_info[:2]"), "(3, 11)")
        XCTAssertEqual(try python.evaluate("__import__('sys').flags.isolated"), "1")
        XCTAssertEqual(try python.evaluate("'site' in __import__('sys').modules"), "False")
        // Python keeps no SIGINT handler of its own (importing `signal` would install one), so
        // Ctrl-C stays with the host.
        let before = sigintHandler()
        XCTAssertEqual(try python.evaluate("__import__('signal') is not None"), "True")
        XCTAssertEqual(sigintHandler(), before)
        XCTAssertEqual(try python.evaluate("__import__('threading').current_thread() is __import__('threading').main_thread()"), "True")
        XCTAssertThrowsError(try python.evaluate("1/0")) { XCTAssertTrue("\($0)".contains("ZeroDivisionError"), "\($0)") }
        XCTAssertEqual(try python.evaluate("6*7"), "42", "an exception leaves the interpreter usable")
        #endif
    }

    func sigintHandler() -> Int {
        var current = sigaction()
        sigaction(SIGINT, nil, &current)
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
    }
}
