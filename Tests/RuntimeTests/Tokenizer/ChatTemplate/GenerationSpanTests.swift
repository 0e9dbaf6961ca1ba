import Foundation
import Runtime
import TestSupport
import XCTest

/// `{% generation %}` spans equal transformers' `render_jinja_template(..., return_assistant_tokens_mask=True)`
/// generation indices (the source of TRL's assistant_only_loss masks).
final class GenerationSpanTests: XCTestCase {
    func testGenerationSpansMatchTransformers() throws {
        let root = try ChatTemplateParityTests.root()
        guard case .array(let cases)? = root["generation"], case .object(let conversations)? = root["conversations"]
        else { return XCTFail("cases.json lacks generation cases") }
        XCTAssertGreaterThanOrEqual(cases.count, 6)
        for case .object(let c) in cases {
            guard case .string(let source)? = c["template"], case .string(let conv)? = c["conversation"],
                  case .array(let messages)? = conversations[conv], case .string(let expected)? = c["expected"],
                  case .array(let spans)? = c["spans"]
            else { XCTFail("malformed generation case"); continue }
            let label = "\(c["name"].map { "\($0)" } ?? "")/\(conv)"
            let template = try ChatTemplate(source: source)
            XCTAssertTrue(template.hasGenerationBlocks, label)
            let (rendered, got) = try template.renderTrackingGeneration(messages: messages, eosToken: "</s>")
            XCTAssertEqual(rendered, expected, label)
            let want = spans.compactMap { span -> Range<Int>? in
                guard case .array(let pair) = span, pair.count == 2, case .int(let a) = pair[0], case .int(let b) = pair[1] else { return nil }
                return a..<b
            }
            XCTAssertEqual(got, want, label)
            // The segments put exactly the spans' text in trainable pieces and concatenate to the render.
            let segments = try template.generationSegments(messages: messages, eosToken: "</s>")
            XCTAssertEqual(segments.map(\.text).joined(), expected, label)
            let scalars = Array(expected.unicodeScalars)
            XCTAssertEqual(segments.filter(\.trainable).map(\.text),
                           want.map { String(String.UnicodeScalarView(scalars[$0])) }, label)
        }
        XCTAssertFalse(try ChatTemplate(source: "{% for m in messages %}{{ m.content }}{% endfor %}").hasGenerationBlocks)
    }
}
