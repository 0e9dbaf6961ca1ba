import Runtime
import XCTest

/// Hostile or broken templates end in a typed `ChatTemplateError` (or render), never a crash or a hang.
final class JinjaRobustnessTests: XCTestCase {
    private static let pieces = [
        "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", " if ", " for ", " in ", " endif ", " endfor ",
        " else ", " set ", " = ", " x ", " messages ", "[", "]", "(", ")", "{", "}", ",", ".", ":", "|", " trim ", " length ",
        " tojson ", " is ", " not ", " and ", " or ", "'s'", "\"q\"", "1", "-1", "2.5", " ~ ", " + ", " * ", " // ", " % ",
        " ** ", "\n", "  ", "text", " loop.index ", " ns ", " namespace(a=1) ", " range(3) ", " raise_exception('r') ",
        " macro ", " endmacro ", " raw ", " endraw ", "[::-1]", "[1:]", " none ", " true ", "'\\u00e9'", "\\", "'", "\"",
        " 99999999999999999999 ", " 1e400 ", " 2 ** 200 ", " 'x' * 99999999999 ", " range(99999999999) ", "|int", "|round(999999)",
    ]

    func testRandomTemplatesNeverCrash() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var limits = JinjaLimits()
        limits.maxSteps = 20_000
        limits.maxOutputBytes = 1 << 20
        let messages: [ChatMessage] = [ChatMessage(role: "user", content: "hi"), ChatMessage(role: "assistant", content: "yo")]
        var parsed = 0, rendered = 0
        for _ in 0..<1500 {
            let source = (0..<(1 + next(14))).map { _ in Self.pieces[next(Self.pieces.count)] }.joined()
            do {
                let template = try ChatTemplate(source: source, limits: limits)
                parsed += 1
                _ = try template.render(messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
                rendered += 1
            } catch is ChatTemplateError {
            } catch {
                XCTFail("untyped error \(error) for \(source.debugDescription)")
            }
        }
        XCTAssertGreaterThan(parsed, 100)
        XCTAssertGreaterThan(rendered, 50)
    }

    func testArithmeticAndFilterExtremesFailCleanly() throws {
        let cases = ["{{ 2 ** 200 }}", "{{ 'x' * 9999999999999 }}", "{{ [1] * 9223372036854775807 }}", "{{ range(9223372036854775807)|length }}",
                     "{{ '%d' % 1e300 }}", "{{ 9223372036854775807 + 1 }}", "{{ 1 // 0 }}", "{{ 1.0 % 0 }}"]
        for source in cases {
            XCTAssertThrowsError(try ChatTemplate(source: source).render(context: [:]), source) { error in
                XCTAssertTrue(error is ChatTemplateError, "\(source): \(error)")
            }
        }
        XCTAssertEqual(try ChatTemplate(source: "{{ 1 ** 9223372036854775807 }} {{ (-1) ** 3 }} {{ 3 ** 39 }}").render(context: [:]),
                       "1 -1 4052555153018976267")
        // Outside Int64, the int filter falls back to its default (Python would use a big integer).
        XCTAssertEqual(try ChatTemplate(source: "{{ 2.5|round(999999) }} {{ 'x'|indent(99999999) }} {{ 1e300|int }}").render(context: [:]),
                       "2.5 x 0")
    }
}

/// Values a template builds cannot nest (or contain themselves) deeply enough to overflow the stack.
final class JinjaNestingTests: XCTestCase {
    func testSelfWrappingListsAndSelfReferencingNamespacesStop() throws {
        for source in ["{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x|length }}",
                       "{% set ns = namespace(x={}) %}{% for i in range(100000) %}{% set ns.x = {'k': ns.x} %}{% endfor %}{{ ns.x }}",
                       "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"] {
            XCTAssertThrowsError(try ChatTemplate(source: source).render(context: [:]), source) { error in
                guard case ChatTemplateError.limitExceeded(let message) = error else { return XCTFail("\(source): \(error)") }
                XCTAssertTrue(message.contains("nested"), message)
            }
        }
        // Ordinary nesting is untouched.
        XCTAssertEqual(try ChatTemplate(source: "{{ [[1, [2, {'a': [3]}]]]|tojson }}").render(context: [:]), #"[[1, [2, {"a": [3]}]]]"#)
    }
}
