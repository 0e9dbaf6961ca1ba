import Runtime
import XCTest

/// Bad templates fail with a typed error at the right line and column; runaway templates stop.
final class ChatTemplateErrorTests: XCTestCase {
    private func syntaxError(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> (String, TemplatePosition)? {
        do {
            _ = try ChatTemplate(source: source)
            XCTFail("expected a syntax error for \(source.debugDescription)", file: file, line: line)
        } catch ChatTemplateError.syntax(let message, let at), ChatTemplateError.unsupported(let message, let at) {
            return (message, at)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func testSyntaxErrorsNameLineAndColumn() {
        let cases: [(String, Int, Int, String)] = [
            ("text\n  {% if x %}abc", 2, 3, "unclosed '{% if %}'"),
            ("Hello {{ name", 1, 7, "unclosed '{{' print tag"),
            ("a\nb {# note", 2, 3, "missing end of comment"),
            ("line1\n{{ x | frobnicate }}", 2, 8, "no filter named 'frobnicate'"),
            ("{{ x is frobbed }}", 1, 9, "no test named 'frobbed'"),
            ("{{ 1 + }}", 1, 8, "expected an expression"),
            ("x\n\n   {% frob %}", 3, 4, "unknown tag 'frob'"),
            ("{% for x in y %}{% endif %}", 1, 17, "innermost open block is 'for'"),
            ("{% endfor %}", 1, 1, "with no open block"),
            ("{{ 'abc }}", 1, 4, "unterminated string"),
            ("{{ (1, 2] }}", 1, 9, "unexpected ']', expected ')'"),
            ("{{ x ? 1 }}", 1, 6, "unexpected character '?'"),
            ("{% if %}{% endif %}", 1, 7, "expected an expression"),
            ("{% for x y %}{% endfor %}", 1, 10, "expected 'in'"),
            ("{{ x }} {{ y }", 1, 14, "unexpected '}'"),
            ("{% raw %}abc", 1, 1, "endraw"),
        ]
        for (source, line, column, fragment) in cases {
            guard let (message, at) = syntaxError(source) else { continue }
            XCTAssertEqual(at, TemplatePosition(line: line, column: column), "\(source.debugDescription): \(message)")
            XCTAssertTrue(message.contains(fragment), "\(source.debugDescription): \(message)")
        }
    }

    func testFeaturesOutsideTheSubsetAreNamed() {
        for (source, fragment) in [("{% include 'other.j2' %}", "include"), ("{% extends 'base' %}", "extends"),
                                   ("{% for x in y recursive %}{% endfor %}", "recursive"), ("{{ f(*args) }}", "*args")] {
            do {
                _ = try ChatTemplate(source: source)
                XCTFail("expected \(source) to be rejected")
            } catch ChatTemplateError.unsupported(let message, let at) {
                XCTAssertTrue(message.contains(fragment), message)
                XCTAssertEqual(at.line, 1)
            } catch {
                XCTFail("\(source): \(error)")
            }
        }
        XCTAssertThrowsError(try ChatTemplate(source: "{{ 'a'.zfill(3) }}").render(context: [:])) { error in
            guard case ChatTemplateError.unsupported(let message, let at) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("str.zfill"), message)
            XCTAssertEqual(at, TemplatePosition(line: 1, column: 7))
        }
    }

    func testRuntimeErrorsNamePositionAndCause() throws {
        let template = try ChatTemplate(source: "ok\n{{ messages[0].content.upper() }}\n{{ missing.attr }}")
        XCTAssertThrowsError(try template.render(messages: [ChatMessage(role: "user", content: "x")])) { error in
            guard case ChatTemplateError.render(let message, let at) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "'missing' is undefined")
            XCTAssertEqual(at.line, 3)
        }
        XCTAssertThrowsError(try ChatTemplate(source: "{{ 1 + 'a' }}").render(context: [:])) { error in
            XCTAssertEqual(error as? ChatTemplateError,
                           .render(message: "unsupported operand type(s) for +: 'int' and 'str'", at: TemplatePosition(line: 1, column: 6)))
        }
        XCTAssertThrowsError(try ChatTemplate(source: "{{ raise_exception('No ' ~ 'tools') }}").render(context: [:])) { error in
            XCTAssertEqual(error as? ChatTemplateError, .raised(message: "No tools"))
        }
    }

    func testRunawayTemplatesStopWithAClearError() throws {
        var limits = JinjaLimits()
        limits.maxSteps = 50_000
        let loops = try ChatTemplate(source: "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", limits: limits)
        XCTAssertThrowsError(try loops.render(context: [:])) { error in
            guard case ChatTemplateError.limitExceeded(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("steps"), message)
        }
        let recursion = try ChatTemplate(source: "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
        XCTAssertThrowsError(try recursion.render(context: [:])) { error in
            guard case ChatTemplateError.limitExceeded(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("macro calls nested"), message)
        }
        limits = JinjaLimits()
        limits.maxOutputBytes = 1 << 16
        let big = try ChatTemplate(source: "{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}", limits: limits)
        XCTAssertThrowsError(try big.render(context: [:])) { error in
            guard case ChatTemplateError.limitExceeded(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("output exceeds"), message)
        }
        XCTAssertThrowsError(try ChatTemplate(source: "{{ range(1000000)|length }}").render(context: [:]))
        let deep = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        XCTAssertThrowsError(try ChatTemplate(source: "{{ \(deep) }}")) { error in
            guard case ChatTemplateError.syntax(let message, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("nested"), message)
        }
    }

    func testPartsRefusesTemplatesWithoutThePrefixProperty() throws {
        // Marks the final assistant turn differently from earlier ones, so the prompt render is not a prefix.
        let template = try ChatTemplate(source: """
            {% for m in messages %}{% if loop.last and m.role == 'assistant' %}FINAL:{% endif %}{{ m.content }}|{% endfor %}\
            {% if add_generation_prompt %}GEN:{% endif %}
            """)
        let chat = [ChatMessage(role: "user", content: "q"), ChatMessage(role: "assistant", content: "a")]
        XCTAssertThrowsError(try template.parts(messages: chat)) { error in
            guard case ChatTemplateError.prefixBroken(let prompt, let full) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(prompt, "q|GEN:")
            XCTAssertEqual(full, "q|FINAL:a|")
            XCTAssertTrue("\(error)".contains("prefix"))
        }
        XCTAssertThrowsError(try template.parts(messages: [ChatMessage(role: "user", content: "q")])) { error in
            guard case ChatTemplateError.badConversation = error else { return XCTFail("\(error)") }
        }
        // A completion that starts with a combining mark still splits at the right code point.
        let plain = try ChatTemplate(source: "{% for m in messages %}{{ m.content }}{% endfor %}")
        let parts = try plain.parts(messages: [ChatMessage(role: "user", content: "e"), ChatMessage(role: "assistant", content: "\u{301}x")])
        XCTAssertEqual(parts.prompt, "e")
        XCTAssertEqual(Array(parts.completion.unicodeScalars), ["\u{301}", "x"])
    }

    func testJSONInputErrorsAndOrder() throws {
        let v = try JinjaValue(json: #"{"z": 1, "a": [1.5, true, null, "\u00e9\ud83e\udd16"], "m": {}}"#)
        XCTAssertEqual(try ChatTemplate(source: "{{ v|tojson }}").render(context: ["v": v]),
                       #"{"z": 1, "a": [1.5, true, null, "é🤖"], "m": {}}"#)
        for bad in ["{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "1 2"] {
            XCTAssertThrowsError(try JinjaValue(json: bad), bad)
        }
    }
}

/// transformers' `get_chat_template` rules for models with several named templates.
final class ChatTemplateSelectionTests: XCTestCase {
    func testNamedTemplatesFollowTransformersRules() throws {
        let config = try JinjaValue(json: #"[{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}, {"name": "rag", "template": "R"}]"#)
        let named = try ChatTemplate.namedTemplates(fromConfigValue: config)
        XCTAssertEqual(named, ["default": "D", "tool_use": "T", "rag": "R"])
        XCTAssertEqual(try ChatTemplate.select(from: named), "D")
        XCTAssertEqual(try ChatTemplate.select(from: named, usingTools: true), "T")
        XCTAssertEqual(try ChatTemplate.select(from: named, name: "rag", usingTools: true), "R")
        XCTAssertEqual(try ChatTemplate.select(from: try ChatTemplate.namedTemplates(fromConfigValue: .string("S")), usingTools: true), "S")
        XCTAssertThrowsError(try ChatTemplate.select(from: named, name: "nope")) { error in
            XCTAssertTrue("\(error)".contains("default, rag, tool_use"), "\(error)")
        }
        XCTAssertThrowsError(try ChatTemplate.select(from: ["rag": "R"]))
        XCTAssertThrowsError(try ChatTemplate.select(from: [:]))
        XCTAssertThrowsError(try ChatTemplate.namedTemplates(fromConfigValue: .int(3)))
        XCTAssertThrowsError(try ChatTemplate.namedTemplates(fromConfigValue: try JinjaValue(json: #"[{"name": "x"}]"#)))
    }
}
