import Foundation
import Runtime

/// `sft bench tokenizer [--folder DIR] [--megabytes N]`: single-thread encode throughput of our
/// tokenizer on a deterministic mixed corpus (prose, code, numbers, several scripts, emoji),
/// next to the Rust `tokenizers` package on the same corpus and tokenizer
/// (scripts/bench/tokenizer_ref.py) when the reference venv exists. Also checks both produced
/// the same ids.
enum TokenizerBench {
    static func run(_ args: [String]) -> Int32 {
        var folder = "Tests/Fixtures/tokenizers/smollm2"
        var megabytes = 10.0
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--folder" where i + 1 < args.count: folder = args[i + 1]; i += 1
            case "--megabytes" where i + 1 < args.count: megabytes = Double(args[i + 1]) ?? megabytes; i += 1
            default:
                print("usage: sft bench tokenizer [--folder DIR] [--megabytes N]")
                return 2
            }
            i += 1
        }
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer.load(folder: URL(fileURLWithPath: folder)) } catch {
            print("bench tokenizer: \(error)")
            return 1
        }
        let documents = BenchCorpus.documents(bytes: Int(megabytes * 1_000_000))
        let bytes = documents.reduce(0) { $0 + $1.utf8.count }

        for d in documents.prefix(50) { _ = tokenizer.encode(d, addSpecialTokens: false) }  // warm-up
        var tokens = 0
        var checksum: UInt64 = 0
        let (wall0, cpu0) = (now(CLOCK_MONOTONIC), now(CLOCK_THREAD_CPUTIME_ID))
        var all: [[Int]] = []
        all.reserveCapacity(documents.count)
        for d in documents { all.append(tokenizer.encode(d, addSpecialTokens: false)) }
        let ours = Throughput(seconds: now(CLOCK_THREAD_CPUTIME_ID) - cpu0, wall: now(CLOCK_MONOTONIC) - wall0,
                              bytes: bytes, tokens: all.reduce(0) { $0 + $1.count })
        tokens = ours.tokens
        for ids in all { for id in ids { checksum = (checksum &* 31 &+ UInt64(id)) & 0x7FFF_FFFF_FFFF_FFFF } }
        print("tokenizer encode, \(folder), \(documents.count) documents, \(String(format: "%.1f", Double(bytes) / 1e6)) MB, 1 thread")
        print("  (rates per second of thread CPU time, so other load on the host does not skew the ratio)")
        print("  sft          \(ours.line)")

        guard let python = referencePython() else {
            print("  tokenizers   reference not installed (.venv-ref)")
            return 0
        }
        switch reference(python: python, folder: folder, documents: documents) {
        case .failure(let message):
            print("  tokenizers   reference failed: \(message)")
            return 1
        case .success(let ref):
            print("  tokenizers   \(ref.throughput.line)")
            print(String(format: "  ratio        %.2fx the speed of tokenizers (MB/s)", ours.megabytesPerSecond / ref.throughput.megabytesPerSecond))
            let same = ref.tokens == tokens && ref.checksum == checksum
            print("  ids          \(same ? "identical" : "DIFFERENT (\(tokens) vs \(ref.tokens) tokens)")")
            return same ? 0 : 1
        }
    }

    struct Throughput {
        /// Thread CPU seconds and wall seconds of the timed loop.
        let seconds: Double, wall: Double, bytes: Int, tokens: Int
        var megabytesPerSecond: Double { Double(bytes) / 1e6 / seconds }
        var line: String {
            String(format: "%7.2f MB/s  %10.0f tokens/s  (%d tokens, %.2f s CPU, %.2f s wall)",
                   megabytesPerSecond, Double(tokens) / seconds, tokens, seconds, wall)
        }
    }

    static func now(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    struct Reference { let throughput: Throughput, tokens: Int, checksum: UInt64 }

    /// $SFT_REF_PYTHON, or the reference venv scripts/ref-env makes at the repository root.
    static func referencePython() -> String? {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["SFT_REF_PYTHON"], ".venv-ref/bin/python"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Writes the corpus to a temporary file (documents separated by U+001E) and runs the script.
    static func reference(python: String, folder: String, documents: [String]) -> Result<Reference, BenchError> {
        let corpus = FileManager.default.temporaryDirectory.appendingPathComponent("sft-bench-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: corpus) }
        do { try Data(documents.joined(separator: "\u{1E}").utf8).write(to: corpus) } catch {
            return .failure(BenchError("cannot write \(corpus.path): \(error)"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["scripts/bench/tokenizer_ref.py", "--folder", folder, "--corpus", corpus.path]
        var env = ProcessInfo.processInfo.environment
        env["RAYON_NUM_THREADS"] = "1"
        env["TOKENIZERS_PARALLELISM"] = "false"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        do { try process.run() } catch { return .failure(BenchError("\(python): \(error)")) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let seconds = object["cpu_seconds"] as? Double, let wall = object["seconds"] as? Double, let bytes = object["bytes"] as? Int,
              let tokens = object["tokens"] as? Int, let checksum = (object["checksum"] as? NSNumber)?.uint64Value
        else { return .failure(BenchError("exit \(process.terminationStatus), no result line")) }
        return .success(Reference(throughput: Throughput(seconds: seconds, wall: wall, bytes: bytes, tokens: tokens),
                                  tokens: tokens, checksum: checksum))
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}

/// A deterministic mixed corpus: the same bytes on every run and machine.
enum BenchCorpus {
    static let words = ["the", "model", "learns", "from", "data", "while", "tokens", "flow", "through", "layers",
                        "attention", "weights", "gradient", "loss", "batch", "optimizer", "Hugging", "Face",
                        "Swift", "runtime", "it's", "we're", "don't", "café", "naïve", "résumé", "Zürich",
                        "日本語", "テキスト", "中文", "文本", "한국어", "مرحبا", "بالعالم", "русский", "текст",
                        "Ελληνικά", "😀", "👍🏽", "🚀", "e\u{301}", "ﬁ", "αβγ", "2024", "3.14159", "1,000,000"]
    static let code = ["def f(x):\n\treturn x * 2  \n", "for (int i = 0; i < n; ++i) { sum += a[i]; }\n",
                       "    if value is None:\n        raise ValueError(\"missing\")\n",
                       "let ids = tokenizer.encode(text, addSpecialTokens: true)\n",
                       "SELECT name, COUNT(*) FROM users GROUP BY name;\n", "<div class=\"x\">&nbsp;</div>\n"]

    static func documents(bytes target: Int) -> [String] {
        var state: UInt64 = 0x5F3_7AD1
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var docs: [String] = []
        var total = 0
        while total < target {
            var doc = ""
            let paragraphs = 1 + next(4)
            for _ in 0..<paragraphs {
                if next(4) == 0 {
                    for _ in 0..<(1 + next(6)) { doc += code[next(code.count)] }
                } else {
                    for s in 0..<(2 + next(6)) {
                        var sentence = ""
                        for w in 0..<(4 + next(14)) {
                            var word = words[next(words.count)]
                            if w == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
                            sentence += (w == 0 ? "" : (next(20) == 0 ? "  " : " ")) + word
                        }
                        doc += (s == 0 ? "" : " ") + sentence + [".", "!", "?", ",", ";"][next(5)]
                    }
                }
                doc += next(3) == 0 ? "\n\n" : "\n"
            }
            total += doc.utf8.count
            docs.append(doc)
        }
        return docs
    }
}
