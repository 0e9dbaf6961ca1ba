import Foundation
import Runtime
import TestSupport
import XCTest

/// Rendered strings must equal transformers' `apply_chat_template(..., tokenize=False)` exactly, for the
/// real templates of SmolLM2, Llama 3, Llama 3.1, Qwen2.5, ChatML, Gemma, Gemma 3, Mistral and Zephyr
/// (fixtures from scripts/fixtures/chat_templates.py); templates that raise must raise the same message.
final class ChatTemplateParityTests: XCTestCase {
    struct Fixture {
        var templates: JinjaObject
        var conversations: JinjaObject
        var cases: [JinjaValue]
        var parts: [JinjaValue]
    }

    static func loadFixture() throws -> Fixture {
        let root = try root()
        guard case .object(let templates)? = root["templates"], case .object(let conversations)? = root["conversations"],
              case .array(let cases)? = root["cases"], case .array(let parts)? = root["parts"]
        else { throw XCTSkip("cases.json has an unexpected layout") }
        return Fixture(templates: templates, conversations: conversations, cases: cases, parts: parts)
    }

    static func string(_ v: JinjaValue?) -> String? { if case .string(let s)? = v { return s }; return nil }

    struct Spec { var template: ChatTemplate; var bos: String?; var eos: String? }

    static func specs(_ fixture: Fixture) throws -> [String: Spec] {
        var out: [String: Spec] = [:]
        for (name, value) in fixture.templates.pairs {
            guard case .object(let spec) = value, let source = string(spec["template"]) else { continue }
            out[name] = Spec(template: try ChatTemplate(source: source), bos: string(spec["bos_token"]), eos: string(spec["eos_token"]))
        }
        return out
    }

    func testEveryTemplateAndConversationMatchesTransformers() throws {
        let fixture = try Self.loadFixture()
        let specs = try Self.specs(fixture)
        XCTAssertEqual(Set(specs.keys), ["smollm2", "llama3", "llama31", "llama32", "qwen25", "qwen3", "chatml", "gemma", "gemma3", "mistral", "mistral_v03", "zephyr"])
        var checked = 0, raised = 0
        for case .object(let c) in fixture.cases {
            let name = Self.string(c["template"])!, conversation = Self.string(c["conversation"])!
            guard let spec = specs[name], case .array(let messages)? = fixture.conversations[conversation] else {
                XCTFail("fixture case names unknown template \(name) / conversation \(conversation)"); continue
            }
            var extra: [String: JinjaValue] = [:]
            if case .object(let e)? = c["extra"] { for (k, v) in e.pairs { extra[k] = v } }
            let agp = c["add_generation_prompt"] == .bool(true)
            let label = "\(name)/\(conversation)/agp=\(agp)/extra=\(extra.keys.sorted())"
            do {
                let text = try spec.template.render(messages: messages, addGenerationPrompt: agp, bosToken: spec.bos,
                                                    eosToken: spec.eos, extra: extra)
                if let expected = Self.string(c["expected"]) {
                    XCTAssertEqual(text, expected, label)
                    checked += 1
                } else {
                    XCTFail("\(label): transformers raised \(Self.string(c["error"]) ?? "?") but we rendered \(text.debugDescription)")
                }
            } catch ChatTemplateError.raised(let message) {
                XCTAssertEqual(Self.string(c["error_kind"]), "raise_exception", label)
                XCTAssertEqual(message, Self.string(c["error"]), label)
                raised += 1
            } catch {
                XCTFail("\(label): \(error)")
            }
        }
        XCTAssertGreaterThan(checked, 120)
        XCTAssertGreaterThan(raised, 10)
    }

    func testPromptCompletionPartsMatchTheTwoTransformersRenders() throws {
        let fixture = try Self.loadFixture()
        let specs = try Self.specs(fixture)
        var checked = 0
        for case .object(let p) in fixture.parts {
            let name = Self.string(p["template"])!, conversation = Self.string(p["conversation"])!
            guard let spec = specs[name], case .array(let messages)? = fixture.conversations[conversation] else { continue }
            let prompt = Self.string(p["prompt"])!, full = Self.string(p["full"])!
            var extra: [String: JinjaValue] = [:]
            if case .object(let e)? = p["extra"] { for (k, v) in e.pairs { extra[k] = v } }
            do {
                let parts = try spec.template.parts(messages: messages, bosToken: spec.bos, eosToken: spec.eos, extra: extra)
                XCTAssertEqual(p["prefix_holds"], .bool(true), "\(name)/\(conversation): we split where transformers' renders do not nest")
                XCTAssertEqual(parts.prompt, prompt, "\(name)/\(conversation)")
                XCTAssertEqual(parts.full, full, "\(name)/\(conversation)")
                XCTAssertFalse(parts.completion.isEmpty, "\(name)/\(conversation)")
            } catch ChatTemplateError.prefixBroken {
                XCTAssertEqual(p["prefix_holds"], .bool(false), "\(name)/\(conversation)")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 20)
    }

    /// Multi-turn segments (every assistant turn trainable) match the same cut made on transformers' renders,
    /// and templates that rewrite earlier turns (Qwen3, Mistral v0.3 with a system prompt) are refused.
    func testMultiTurnSegmentsMatchTransformersRenders() throws {
        let fixture = try Self.loadFixture()
        let specs = try Self.specs(fixture)
        guard case .array(let splits)? = try Self.root()["segments"] else { return XCTFail("no segments in cases.json") }
        var checked = 0, refused = 0
        for case .object(let c) in splits {
            let name = Self.string(c["template"])!, conversation = Self.string(c["conversation"])!
            guard let spec = specs[name], case .array(let messages)? = fixture.conversations[conversation] else { continue }
            var extra: [String: JinjaValue] = [:]
            if case .object(let e)? = c["extra"] { for (k, v) in e.pairs { extra[k] = v } }
            let label = "\(name)/\(conversation)"
            do {
                let segments = try spec.template.segments(messages: messages, bosToken: spec.bos, eosToken: spec.eos, extra: extra)
                guard case .array(let expected)? = c["segments"] else { XCTFail("\(label): transformers' renders do not nest"); continue }
                XCTAssertEqual(segments.count, expected.count, label)
                for (got, wanted) in zip(segments, expected) {
                    guard case .object(let want) = wanted else { continue }
                    XCTAssertEqual(got.text, Self.string(want["text"]), label)
                    XCTAssertEqual(got.trainable, want["trainable"] == .bool(true), label)
                }
                checked += 1
            } catch ChatTemplateError.prefixBroken {
                XCTAssertEqual(c["segments"], JinjaValue.none, label)
                refused += 1
            }
        }
        XCTAssertGreaterThan(checked, 30)
        XCTAssertGreaterThanOrEqual(refused, 5)
    }

    static func root() throws -> JinjaObject {
        let text = try String(contentsOf: fixtureURL("chat_templates/cases.json"), encoding: .utf8)
        guard case .object(let root) = try JinjaValue(json: text) else { throw XCTSkip("cases.json is not an object") }
        return root
    }

    func testBOSDetectionMatchesTheTemplates() throws {
        let specs = try Self.specs(try Self.loadFixture())
        // Templates that write bos_token themselves versus those that leave it to the tokenizer. SmolLM2's
        // bos_token is <|im_start|>, which its template writes first as the start of the first turn.
        for name in ["llama3", "llama31", "llama32", "gemma", "gemma3", "mistral", "smollm2"] {
            let s = specs[name]!
            XCTAssertTrue(try s.template.rendersBOS(bosToken: s.bos!, eosToken: s.eos), name)
        }
        for name in ["chatml", "zephyr"] {
            let s = specs[name]!
            XCTAssertFalse(try s.template.rendersBOS(bosToken: s.bos!, eosToken: s.eos), name)
        }
        XCTAssertFalse(try specs["qwen3"]!.template.rendersBOS(bosToken: "<|endoftext|>"))
        XCTAssertTrue(ChatTemplate.startsWithBOS("<s>[INST]", bosToken: "<s>"))
        XCTAssertFalse(ChatTemplate.startsWithBOS("[INST]", bosToken: "<s>"))
        XCTAssertFalse(ChatTemplate.startsWithBOS("anything", bosToken: ""))
    }

    /// Without a pinned date, Llama 3.2's template asks `strftime_now("%d %b %Y")` for today's date.
    func testLlama32TakesTodaysDateFromStrftimeNow() throws {
        let specs = try Self.specs(try Self.loadFixture())
        let spec = specs["llama32"]!
        let before = Self.today()
        let text = try spec.template.render(messages: [ChatMessage(role: "user", content: "Hi")], bosToken: spec.bos)
        let after = Self.today()
        XCTAssertTrue(text.contains("Today Date: \(before)\n") || text.contains("Today Date: \(after)\n"), text)
        XCTAssertFalse(text.contains("26 Jul 2024"))
    }

    static func today() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = "dd MMM yyyy"
        return f.string(from: Date())
    }
}
