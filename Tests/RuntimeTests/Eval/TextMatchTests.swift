import Foundation
import Runtime
import TestSupport
import XCTest

/// Normalizations and SQuAD token F1, checked on cases worked out by hand from the SQuAD
/// evaluation script's rules.
final class TextMatchTests: XCTestCase {
    func testNormalizations() {
        XCTAssertEqual(TextMatch.normalize("  Hello \t World \n", .strip), "Hello \t World")
        XCTAssertEqual(TextMatch.normalize("  Hello \t World \n", .collapseWhitespace), "Hello World")
        XCTAssertEqual(TextMatch.normalize("ÉCOLE", .caseInsensitive), "école")
        XCTAssertEqual(TextMatch.normalize("  The  Cat, an apple & a dog!", .squad), "cat apple dog")
        // Articles go only as whole words: "anthem" and "theory" keep theirs; "_" is punctuation.
        XCTAssertEqual(TextMatch.squadNormalize("An anthem, the theory: a_b a"), "anthem theory ab")
        // Non-ASCII punctuation is not in string.punctuation and so stays, but it is a word boundary.
        XCTAssertEqual(TextMatch.squadNormalize("«the» end"), "« » end")
    }

    func testExactMatch() throws {
        XCTAssertTrue(TextMatch.exactMatch(" Paris\n", references: ["paris"]))
        XCTAssertFalse(TextMatch.exactMatch(" Paris\n", references: ["paris"], normalization: .strip))
        XCTAssertTrue(TextMatch.exactMatch("The Paris.", references: ["London", "paris"], normalization: .squad))
        // Canonically equivalent but different code points are different answers, as in Python.
        XCTAssertFalse(TextMatch.exactMatch("caf\u{E9}", references: ["cafe\u{301}"], normalization: .strip))
        let rate = try TextMatch.exactMatchRate(predictions: ["a", "b", "c", "d"], references: [["A"], ["x", "b"], ["z"], ["D "]])
        XCTAssertEqual(rate, 0.75)
    }

    func testTokenF1() throws {
        // pred tokens [cat, sat, on, mat], ref [cat, sat, on, red, mat]: 4 common, P=1, R=0.8.
        assertClose(TextMatch.tokenF1("The cat sat on the mat", references: ["a cat sat on a red mat"]), 2 * 0.8 / 1.8)
        // Duplicates count once per occurrence on each side: [the->removed] "cat cat cat" vs "cat".
        assertClose(TextMatch.tokenF1("cat cat cat", references: ["cat"]), 2 * (1.0 / 3) * 1 / (1.0 / 3 + 1))
        XCTAssertEqual(TextMatch.tokenF1("", references: ["the"]), 1)  // both normalize to nothing
        XCTAssertEqual(TextMatch.tokenF1("", references: ["Paris"]), 0)
        XCTAssertEqual(TextMatch.tokenF1("London", references: ["Paris", "london!"]), 1)
        let mean = try TextMatch.meanTokenF1(predictions: ["x", "y"], references: [["x"], ["z"]])
        XCTAssertEqual(mean, 0.5)
    }

    func testMismatchedInputsThrow() {
        XCTAssertThrowsError(try BLEU.corpusScore(hypotheses: ["a", "b"], references: [["a"]])) {
            XCTAssertEqual($0 as? EvalInputError, .countMismatch(what: "references", expected: 2, actual: 1))
        }
        XCTAssertThrowsError(try CHRF.corpusScore(hypotheses: ["a"], references: [[]])) {
            XCTAssertEqual($0 as? EvalInputError, .noReferences(index: 0))
        }
    }

    func testEmptyCorpusScoresZero() throws {
        XCTAssertEqual(try BLEU.corpusScore(hypotheses: [], references: []).score, 0)
        XCTAssertEqual(try CHRF.corpusScore(hypotheses: [], references: []).score, 0)
        XCTAssertEqual(try ROUGE.corpusScore(predictions: [], references: []).rougeL, 0)
    }

    func testRougeTokenizer() {
        XCTAssertEqual(ROUGE.tokenize("Hello, WORLD! It's 3.14 — café"), ["hello", "world", "it", "s", "3", "14", "caf"])
        XCTAssertEqual(ROUGE.tokenize("Running quickly", stemming: true), ["run", "quickli"])
    }
}
