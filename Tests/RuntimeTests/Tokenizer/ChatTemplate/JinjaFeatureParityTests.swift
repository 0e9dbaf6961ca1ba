import Foundation
import Runtime
import TestSupport
import XCTest

/// Each Jinja feature of the subset, one small template at a time, against the output of transformers'
/// own compiled environment (scripts/fixtures/chat_templates.py, `features` in cases.json): whitespace
/// control, loops, scoping, namespaces, macros, filters, tests, methods, Python printing and JSON rules.
final class JinjaFeatureParityTests: XCTestCase {
    func testEveryFeatureRendersLikeJinja2() throws {
        let root = try ChatTemplateParityTests.root()
        guard case .object(let features)? = root["features"], case .object(let contextObject)? = root["feature_context"]
        else { return XCTFail("cases.json lacks features") }
        var context: [String: JinjaValue] = [:]
        for (k, v) in contextObject.pairs { context[k] = v }
        XCTAssertGreaterThan(features.count, 40)
        for (name, value) in features.pairs {
            guard case .object(let f) = value, case .string(let source)? = f["template"] else { continue }
            do {
                let rendered = try ChatTemplate(source: source).render(context: context)
                if case .string(let expected)? = f["expected"] {
                    XCTAssertEqual(rendered, expected, name)
                } else {
                    XCTFail("\(name): jinja2 failed (\(f["error"].map { "\($0)" } ?? "")) but we rendered \(rendered.debugDescription)")
                }
            } catch ChatTemplateError.raised(let message) {
                XCTAssertEqual(f["error_kind"], .string("raise_exception"), name)
                XCTAssertEqual(f["error"], .string(message), name)
            } catch let error as ChatTemplateError {
                // Errors that are not raise_exception: jinja2 must have failed too (messages may differ).
                XCTAssertEqual(f["error_kind"], .string("other"), "\(name): \(error)")
            }
        }
    }
}
