import Foundation
import Runtime
import Synchronization
import TestSupport
import XCTest
@testable import Shell

/// `sft serve` end to end: a server on a free loopback port over the tiny chat fixture model,
/// driven by a raw HTTP client (every route, streaming, bad input, 503, disconnects).
final class ServerTests: XCTestCase {
    static let token = "test-token"
    static let auth = ["Authorization": "Bearer test-token"]
    nonisolated(unsafe) static var server: InferenceServer!
    nonisolated(unsafe) static var port = 0
    nonisolated(unsafe) static var task: Task<Void, Never>?

    static func loadModel() throws -> InferenceModel {
        try InferenceModel.load(model: fixtureURL("serve/tiny-chat"), template: "alpaca")
    }

    override class func setUp() {
        super.setUp()
        do {
            var configuration = InferenceServer.Configuration()
            configuration.port = 0
            configuration.token = token
            configuration.queueCapacity = 1
            configuration.maxTokensCap = 8
            configuration.maxBodyBytes = 4096
            server = InferenceServer(model: try loadModel(), configuration: configuration)
        } catch {
            XCTFail("cannot load the fixture model: \(error)")
            return
        }
        let ready = DispatchSemaphore(value: 0)
        let bound = Mutex(0)
        task = Task.detached {
            try? await server.run(handleSignals: false) { p in bound.withLock { $0 = p }; ready.signal() }
        }
        if ready.wait(timeout: .now() + 30) == .timedOut { XCTFail("the server did not start") }
        port = bound.withLock { $0 }
    }

    override class func tearDown() {
        task?.cancel()
        super.tearDown()
    }

    private func post(_ path: String, _ json: String) throws -> HTTPReply {
        try httpRequest(port: Self.port, method: "POST", path: path, json: json, headers: Self.auth)
    }

    /// The greedy continuation `generate` gives directly, without the server.
    private func direct(_ prompt: String, maxTokens: Int) throws -> Generation {
        let model = try Self.loadModel()
        var options = model.defaults
        options.maxNewTokens = maxTokens
        return generate(model.network, tokenizer: model.tokenizer, prompt: model.encodePrompt(prompt), options: options)
    }

    func testHealthAndModels() throws {
        let health = try httpRequest(port: Self.port, method: "GET", path: "/health", headers: Self.auth)
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.json?["status"] as? String, "ok")
        let models = try httpRequest(port: Self.port, method: "GET", path: "/v1/models", headers: Self.auth)
        XCTAssertEqual(models.status, 200)
        let data = models.json?["data"] as? [[String: Any]]
        XCTAssertEqual(data?.first?["id"] as? String, "tiny-chat")
        XCTAssertEqual(models.json?["object"] as? String, "list")
    }

    func testTokenRequiredOnEveryRoute() throws {
        for (method, path) in [("GET", "/health"), ("GET", "/v1/models"), ("POST", "/generate"), ("GET", "/nowhere")] {
            let reply = try httpRequest(port: Self.port, method: method, path: path, body: Array("{}".utf8))
            XCTAssertEqual(reply.status, 401, path)
            XCTAssertEqual(reply.headers["www-authenticate"], "Bearer")
            XCTAssertNotNil(reply.errorMessage, path)
            let wrong = try httpRequest(port: Self.port, method: method, path: path, headers: ["Authorization": "Bearer nope"])
            XCTAssertEqual(wrong.status, 401, path)
        }
    }

    func testCompletionMatchesTransformersGreedy() throws {
        // reference.json: transformers' greedy continuation of each eval prompt (float64).
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL("serve/reference.json"))) as! [String: Any]
        let examples = reference["examples"] as! [[String: Any]]
        let rows = try String(contentsOf: fixtureURL("serve/eval.jsonl"), encoding: .utf8).split(separator: "\n")
        let model = try Self.loadModel()
        for (row, example) in zip(rows, examples) {
            let prompt = (try JSONSerialization.jsonObject(with: Data(row.utf8)) as! [String: String])["prompt"]!
            var expected = example["generated"] as! [Int]
            if let stop = expected.firstIndex(where: model.defaults.stopTokenIds.contains) { expected = Array(expected[..<stop]) }
            let body = try JSONSerialization.data(withJSONObject: ["prompt": prompt, "max_tokens": 6])
            let reply = try post("/v1/completions", String(decoding: body, as: UTF8.self))
            XCTAssertEqual(reply.status, 200, reply.text)
            let choice = (reply.json?["choices"] as? [[String: Any]])?.first
            XCTAssertEqual(choice?["text"] as? String, model.tokenizer.decode(expected, skipSpecialTokens: true), prompt)
            let usage = reply.json?["usage"] as? [String: Int]
            XCTAssertEqual(usage?["completion_tokens"], expected.count)
            XCTAssertEqual(usage?["prompt_tokens"], (example["prompt_tokens"] as! Int))
            XCTAssertEqual(reply.json?["object"] as? String, "text_completion")
        }
    }

    func testGenerateRendersThePromptTemplate() throws {
        let reply = try post("/generate", #"{"instruction": "Name a colour", "input": "warm ones", "max_tokens": 5}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
        let prompt = "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request."
            + "\n\n### Instruction:\nName a colour\n\n### Input:\nwarm ones\n\n### Response:\n"
        let expected = try direct(prompt, maxTokens: 5)
        XCTAssertEqual(reply.json?["output"] as? String, expected.text)
        XCTAssertEqual(reply.json?["completion_tokens"] as? Int, expected.tokens.count)
        XCTAssertEqual(reply.json?["prompt_tokens"] as? Int, expected.promptTokens)
        let timing = reply.json?["timing"] as? [String: Double]
        XCTAssertNotNil(timing?["decode_seconds"])
        XCTAssertNotNil(timing?["prefill_seconds"])
    }

    func testChatCompletionWholeAndStreamedAgree() throws {
        let request = #"{"messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 8"#
        let whole = try post("/v1/chat/completions", request + "}")
        XCTAssertEqual(whole.status, 200, whole.text)
        let message = ((whole.json?["choices"] as? [[String: Any]])?.first?["message"]) as? [String: String]
        XCTAssertEqual(message?["role"], "assistant")
        let expected = try direct("<|im_start|>user\nSay hello<|im_end|>\n<|im_start|>assistant\n", maxTokens: 8)
        XCTAssertEqual(message?["content"], expected.text)

        let streamed = try post("/v1/chat/completions", request + #", "stream": true}"#)
        XCTAssertEqual(streamed.status, 200)
        XCTAssertEqual(streamed.headers["content-type"], "text/event-stream")
        let events = streamed.events
        XCTAssertEqual(events.last, "[DONE]")
        let chunks = events.dropLast().compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(chunks.count, events.count - 1, "every event but [DONE] is a JSON chunk")
        let choices = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
        XCTAssertEqual((choices.first?["delta"] as? [String: String])?["role"], "assistant")
        let text = choices.compactMap { ($0["delta"] as? [String: String])?["content"] }.joined()
        XCTAssertEqual(text, expected.text)
        XCTAssertEqual(choices.last?["finish_reason"] as? String, expected.finishReason == .length ? "length" : "stop")
        XCTAssertTrue(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
    }

    func testCompletionStream() throws {
        let prompt = "Question: what is two plus two?\n"
        let reply = try post("/v1/completions", #"{"prompt": "Question: what is two plus two?\n", "max_tokens": 6, "stream": true}"#)
        XCTAssertEqual(reply.status, 200)
        let chunks = reply.events.dropLast().compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let text = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["text"]) as? String }.joined()
        XCTAssertEqual(text, try direct(prompt, maxTokens: 6).text)
        XCTAssertEqual(reply.events.last, "[DONE]")
    }

    func testMaxTokensIsCapped() throws {
        let reply = try post("/v1/completions", #"{"prompt": "Say hello\n", "max_tokens": 100000}"#)
        XCTAssertEqual(reply.status, 200)
        let usage = reply.json?["usage"] as? [String: Int]
        XCTAssertLessThanOrEqual(usage?["completion_tokens"] ?? 99, 8)
        XCTAssertEqual(usage?["completion_tokens"], try direct("Say hello\n", maxTokens: 8).tokens.count)
    }

    func testBadInputIsA4xxJSONErrorAndTheServerKeepsServing() throws {
        let cases: [(String, String, [UInt8], Int, String)] = [
            ("POST", "/v1/completions", Array("{\"prompt\": ".utf8), 400, "malformed JSON"),
            ("POST", "/v1/completions", Array("[1, 2]".utf8), 400, "the body"),
            ("POST", "/v1/completions", Array(#"{"prompt": 5}"#.utf8), 400, "field 'prompt': expected a string"),
            ("POST", "/v1/completions", Array(#"{"prompt": "a", "max_tokens": "many"}"#.utf8), 400, "field 'max_tokens': expected an integer"),
            ("POST", "/v1/completions", Array(#"{"prompt": "a", "max_tokens": 0}"#.utf8), 400, "max_tokens"),
            ("POST", "/v1/completions", Array(#"{"prompt": "a", "temperature": -1}"#.utf8), 400, "temperature"),
            ("POST", "/v1/completions", Array(#"{"max_tokens": 3}"#.utf8), 400, "missing field 'prompt'"),
            ("POST", "/v1/completions", [], 400, "empty"),
            ("POST", "/v1/chat/completions", Array(#"{"messages": []}"#.utf8), 400, "'messages' is empty"),
            ("POST", "/v1/chat/completions", Array(#"{"messages": [{"role": "user"}]}"#.utf8), 400, "missing field 'messages[0].content'"),
            ("POST", "/v1/chat/completions", Array(#"{"messages": "hi"}"#.utf8), 400, "field 'messages': expected a list"),
            ("POST", "/generate", Array(#"{"input": "x"}"#.utf8), 400, "missing field 'instruction'"),
            ("POST", "/generate", Array("{\"instruction\": \"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8), 400, "not valid UTF-8"),
            ("POST", "/v1/completions", Array(#"{"prompt": ""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 5000) + Array(#""}"#.utf8),
             413, "larger than 4096"),
            ("GET", "/v1/nothing", [], 404, "no route GET /v1/nothing"),
            ("GET", "/v1/completions", [], 404, "no route"),
        ]
        for (method, path, body, status, message) in cases {
            let reply = try httpRequest(port: Self.port, method: method, path: path, body: body,
                                        headers: Self.auth.merging(["Content-Type": "application/json"]) { a, _ in a })
            XCTAssertEqual(reply.status, status, "\(path) \(String(decoding: body.prefix(60), as: UTF8.self)): \(reply.text)")
            XCTAssertEqual(reply.headers["content-type"], "application/json", path)
            XCTAssertTrue(reply.errorMessage?.contains(message) ?? false, "'\(reply.errorMessage ?? reply.text)' lacks '\(message)'")
        }
        let long = String(repeating: "hello world ", count: 200)
        let tooLong = try post("/v1/completions", #"{"prompt": "\#(long)"}"#)
        XCTAssertEqual(tooLong.status, 400)
        XCTAssertTrue(tooLong.errorMessage?.contains("the model's context is 256") ?? false, tooLong.text)
        XCTAssertEqual(try httpRequest(port: Self.port, method: "GET", path: "/health", headers: Self.auth).status, 200)
    }

    /// Holds the worker busy until the returned semaphore is signalled.
    private func blockWorker() throws -> DispatchSemaphore {
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        XCTAssertTrue(Self.server.worker.enqueue { started.signal(); release.wait() })
        XCTAssertEqual(started.wait(timeout: .now() + 10), .success)
        return release
    }

    private func waitUntil(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(15)
        while !condition() && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertTrue(condition(), what)
    }

    func testFullQueueAnswers503AndQueuedRequestsStillComplete() throws {
        let release = try blockWorker()
        let first = Mutex<HTTPReply?>(nil)
        let done = DispatchSemaphore(value: 0)
        let port = Self.port
        DispatchQueue.global().async {
            let reply = try? httpRequest(port: port, method: "POST", path: "/v1/completions",
                                         json: #"{"prompt": "Say hello\n", "max_tokens": 3}"#, headers: ServerTests.auth)
            first.withLock { $0 = reply }
            done.signal()
        }
        waitUntil("the first request is queued") { Self.server.worker.counts.queued == 1 }
        let refused = try post("/v1/completions", #"{"prompt": "Say hello\n", "max_tokens": 3}"#)
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.headers["retry-after"], "1")
        XCTAssertTrue(refused.errorMessage?.contains("busy") ?? false)
        release.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(first.withLock { $0?.status }, 200)
    }

    func testClientDisconnectCancelsItsGeneration() throws {
        let before = Self.server.worker.counts.cancelled
        let release = try blockWorker()
        let connection = try RawHTTPConnection(port: Self.port)
        let body = Array(#"{"messages": [{"role": "user", "content": "Say hello"}], "stream": true}"#.utf8)
        try connection.send(requestBytes(method: "POST", path: "/v1/chat/completions", body: body,
                                         headers: Self.auth.merging(["Content-Type": "application/json"]) { a, _ in a }))
        waitUntil("the stream request is queued") { Self.server.worker.counts.queued == 1 }
        _ = try connection.receive()  // the head and the opening chunk
        connection.disconnect(reset: true)
        Thread.sleep(forTimeInterval: 0.2)
        release.signal()
        waitUntil("the generation is cancelled") { Self.server.worker.counts.cancelled == before + 1 }
        XCTAssertEqual(try httpRequest(port: Self.port, method: "GET", path: "/health", headers: Self.auth).status, 200)
    }
}
