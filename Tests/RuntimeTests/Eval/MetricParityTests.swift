import Foundation
import Runtime
import TestSupport
import XCTest

/// Our metrics against sacrebleu, rouge-score, NLTK and scikit-learn on the committed pairs
/// (scripts/fixtures/metrics.py).
final class MetricParityTests: XCTestCase {
    struct BLEUStats: Decodable {
        var score: Double, counts: [Int], totals: [Int], precisions: [Double], bp: Double
        var sys_len: Int, ref_len: Int
    }
    struct RougeSet: Decodable { var per_pair: [[String: [Double]]]; var mean_f: [String: Double] }
    struct Labels: Decodable { var predictions: [String]; var references: [String]; var accuracy: Double; var macro_f1: Double }
    struct Cases: Decodable {
        var hypotheses: [String], references: [[String]]
        var bleu: BLEUStats, bleu_lowercase: BLEUStats
        var chrf: Double, chrf_plus_plus: Double
        var sentence_bleu: [Double], sentence_bleu_effective: [Double], sentence_chrf: [Double]
        var tokenized_13a: [String]
        var rouge: [String: RougeSet]
        var porter_stems: [String: String]
        var labels: Labels
    }

    static let cases: Cases = {
        let data = try! Data(contentsOf: fixtureURL("metrics/cases.json"))
        return try! JSONDecoder().decode(Cases.self, from: data)
    }()

    func testTokenizer13aMatchesSacrebleuOnEveryLine() {
        let c = Self.cases
        let lines = zip(c.hypotheses, c.references).flatMap { [$0] + $1 }
        XCTAssertEqual(lines.count, c.tokenized_13a.count)
        for (line, expected) in zip(lines, c.tokenized_13a) {
            XCTAssertTrue(Tokenizer13a.tokenize(line).unicodeScalars.elementsEqual(expected.unicodeScalars),
                          "13a of \(line.debugDescription): \(Tokenizer13a.tokenize(line).debugDescription) vs \(expected.debugDescription)")
        }
    }

    func check(_ s: BLEU.Score, _ e: BLEUStats, _ label: String) {
        XCTAssertEqual(s.counts, e.counts, label)
        XCTAssertEqual(s.totals, e.totals, label)
        XCTAssertEqual(s.hypothesisLength, e.sys_len, label)
        XCTAssertEqual(s.referenceLength, e.ref_len, label)
        assertClose(s.precisions, e.precisions, rtol: 1e-12, atol: 1e-12, label)
        assertClose(s.brevityPenalty, e.bp, rtol: 1e-12, atol: 1e-12, label)
        assertClose(s.score, e.score, rtol: 1e-12, atol: 1e-12, label)
    }

    func testCorpusBLEUEqualsSacrebleu() throws {
        let c = Self.cases
        check(try BLEU.corpusScore(hypotheses: c.hypotheses, references: c.references), c.bleu, "bleu")
        check(try BLEU.corpusScore(hypotheses: c.hypotheses, references: c.references, lowercase: true),
              c.bleu_lowercase, "bleu lowercase")
    }

    func testSentenceBLEUEqualsSacrebleu() throws {
        let c = Self.cases
        for (i, (h, r)) in zip(c.hypotheses, c.references).enumerated() {
            let s = try BLEU.corpusScore(hypotheses: [h], references: [[r[0]]])
            assertClose(s.score, c.sentence_bleu[i], rtol: 1e-12, atol: 1e-12, "pair \(i)")
            let e = try BLEU.sentenceScore(hypothesis: h, references: r)
            assertClose(e.score, c.sentence_bleu_effective[i], rtol: 1e-12, atol: 1e-12, "effective order, pair \(i)")
        }
    }

    func testChrFEqualsSacrebleu() throws {
        let c = Self.cases
        assertClose(try CHRF.corpusScore(hypotheses: c.hypotheses, references: c.references).score,
                    c.chrf, rtol: 1e-12, atol: 1e-12)
        assertClose(try CHRF.corpusScore(hypotheses: c.hypotheses, references: c.references, wordOrder: 2).score,
                    c.chrf_plus_plus, rtol: 1e-12, atol: 1e-12)
        for (i, (h, r)) in zip(c.hypotheses, c.references).enumerated() {
            let s = try CHRF.corpusScore(hypotheses: [h], references: [[r[0]]])
            assertClose(s.score, c.sentence_chrf[i], rtol: 1e-12, atol: 1e-12, "pair \(i)")
        }
    }

    func testROUGEEqualsRougeScoreWithAndWithoutStemming() throws {
        let c = Self.cases
        for (key, stemming) in [("plain", false), ("stemmed", true)] {
            let expected = c.rouge[key]!
            let corpus = try ROUGE.corpusScore(predictions: c.hypotheses, references: c.references, stemming: stemming)
            for (i, example) in corpus.examples.enumerated() {
                for (name, s) in [("rouge1", example.rouge1), ("rouge2", example.rouge2), ("rougeL", example.rougeL),
                                  ("rougeLsum", example.rougeLsum)] {
                    assertClose([s.precision, s.recall, s.fmeasure], expected.per_pair[i][name]!,
                                rtol: 1e-12, atol: 1e-12, "\(key) pair \(i) \(name)")
                }
            }
            assertClose([corpus.rouge1, corpus.rouge2, corpus.rougeL, corpus.rougeLsum],
                        ["rouge1", "rouge2", "rougeL", "rougeLsum"].map { expected.mean_f[$0]! },
                        rtol: 1e-12, atol: 1e-12, key)
        }
    }

    func testPorterStemmerEqualsNLTK() {
        var wrong: [String] = []
        for (word, stem) in Self.cases.porter_stems.sorted(by: { $0.key < $1.key }) where PorterStemmer.stem(word) != stem {
            wrong.append("\(word): \(PorterStemmer.stem(word)) vs \(stem)")
        }
        XCTAssertEqual(wrong, [], "\(wrong.count) of \(Self.cases.porter_stems.count) stems differ")
        XCTAssertGreaterThan(Self.cases.porter_stems.count, 300)
    }

    func testAccuracyAndMacroF1EqualScikitLearn() throws {
        let l = Self.cases.labels
        let m = try LabelMetrics(predictions: l.predictions, references: l.references)
        assertClose(m.accuracy, l.accuracy, rtol: 1e-12, atol: 1e-12)
        assertClose(m.macroF1, l.macro_f1, rtol: 1e-12, atol: 1e-12)
    }
}
