import Foundation
import XCTest
@testable import Shell

/// docs/language.md carries every command's generated help; this keeps the two equal.
final class LanguageDocTests: XCTestCase {
    func testCommandReferenceMatchesTheSpecs() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/language.md")
        let document = try String(contentsOf: url, encoding: .utf8)
        let begin = "<!-- commands:begin -->\n", end = "<!-- commands:end -->"
        guard let start = document.range(of: begin), let stop = document.range(of: end) else {
            return XCTFail("docs/language.md lacks the \(begin) ... \(end) markers")
        }
        let generated = HelpText.reference(CommandRegistry.all.map(\.spec))
        let current = String(document[start.upperBound..<stop.lowerBound])
        if current != generated, ProcessInfo.processInfo.environment["SFT_UPDATE_DOCS"] == "1" {
            let updated = document[..<start.upperBound] + generated + document[stop.lowerBound...]
            try Data(updated.utf8).write(to: url, options: .atomic)
            return
        }
        XCTAssertEqual(current, generated,
                       "docs/language.md is out of date; run SFT_UPDATE_DOCS=1 swift test --disable-swift-testing --filter LanguageDocTests")
    }
}
