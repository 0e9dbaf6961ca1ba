import XCTest
import Runtime
import TestSupport

/// Data-parallel steps: a batch's rows split into shards computed on separate threads give the
/// loss and gradients of the whole batch; shards are balanced and keep their rows' order; dropout
/// inside shards is reproducible and never advances a layer's stream from two threads.
final class ShardedStepTests: XCTestCase {
    override func tearDown() {
        ThreadPolicy.setMaxThreads(ProcessInfo.processInfo.activeProcessorCount)
    }

    private func examples(_ lengths: [Int]) -> [TokenizedExample] {
        lengths.enumerated().map { i, n in
            let ids = (0..<n).map { 1 + (i * 7 + $0 * 3) % 60 }
            return TokenizedExample(inputIds: ids, labels: ids.enumerated().map { t, id in t < 2 ? -100 : id }, index: i, line: i + 1)
        }
    }

    func testShardsAreBalancedByTokensAndKeepRowOrder() {
        let batch = TokenBatch(groups: examples([3, 9, 5, 4, 2]).map { [$0] }, padId: 0)
        let shards = balancedShards(batch, count: 2)
        XCTAssertEqual(shards.map(\.exampleIndices), [[[0], [1]], [[2], [3], [4]]], "9+3 against 5+4+2, rows in order")
        XCTAssertEqual(shards.map(\.length), [9, 5], "each shard trimmed to its longest row")
        XCTAssertEqual(shards.map(\.realTokens).reduce(0, +), batch.realTokens)
        XCTAssertEqual(Array(shards[1].inputIds[0..<5]), Array(batch.inputIds[(2 * 9)..<(2 * 9 + 5)]), "row 2 copied whole")
        XCTAssertEqual(balancedShards(batch, count: 1).count, 1)
        XCTAssertEqual(balancedShards(batch, count: 8).count, 5, "never more shards than rows")
    }

    func testShardedStepEqualsTheWholeBatch() throws {
        let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/llama-tied")))
        try applyLoRA(LoRAConfig(r: 4, alpha: 8, targetModules: ["all-linear"]), to: model, seed: 3)
        for (path, parameter) in model.namedParameters() where path.hasSuffix("lora_B.weight") {
            try model.setParameter(path: path, Tensor((0..<parameter.count).map { Float($0 % 5) * 0.01 - 0.02 }, shape: parameter.shape))
        }
        let batch = TokenBatch(groups: examples([6, 11, 4, 8]).map { [$0] }, padId: 0)
        let normalizer = supervisedTargets(batch)
        ThreadPolicy.setMaxThreads(1)
        let whole = shardedLossAndGradients(model, batch, normalizer: normalizer)
        ThreadPolicy.setMaxThreads(2)
        XCTAssertEqual(balancedShards(batch, count: 2).count, 2)
        let sharded = shardedLossAndGradients(model, batch, normalizer: normalizer)
        XCTAssertEqual(sharded.lossSum, whole.lossSum, accuracy: 1e-5 * abs(whole.lossSum))
        for (path, parameter) in model.trainableParameters() {
            let a = try XCTUnwrap(sharded.gradients[parameter]), e = try XCTUnwrap(whole.gradients[parameter])
            assertClose(a.scalars, e.scalars, rtol: 1e-4, atol: 1e-7, path)
        }
    }

    func testDropoutInShardsIsReproducibleAndAdvancesEachStreamOnce() throws {
        func run() throws -> (Double, [UInt64]) {
            let model = try loadCausalLM(try ModelCheckpoint.load(from: fixtureURL("models/llama-tied")))
            try applyLoRA(LoRAConfig(r: 4, alpha: 8, dropout: 0.5, targetModules: ["q_proj", "v_proj"]), to: model, seed: 3)
            model.train(true)
            let before = loraLayers(of: model).map(\.layer.generator.counter)
            ThreadPolicy.setMaxThreads(2)
            let batch = TokenBatch(groups: examples([6, 11, 4, 8]).map { [$0] }, padId: 0)
            let result = shardedLossAndGradients(model, batch, normalizer: supervisedTargets(batch))
            let after = loraLayers(of: model).map(\.layer.generator.counter)
            let magnitude = result.gradients.tensors.reduce(0.0) { sum, t in
                sum + result.gradients[t]!.scalars.reduce(0.0) { $0 + Double(abs($1)) }
            }
            return (magnitude, zip(after, before).map { $0 - $1 })
        }
        let (first, advanced) = try run()
        let (second, _) = try run()
        XCTAssertEqual(first, second, "same masks on a second run")
        XCTAssertEqual(advanced, [UInt64](repeating: 1, count: advanced.count), "every adapter's stream moved by one value")
    }

    func testShardForksDifferBetweenShardsAndFromTheLayerStream() {
        let owner = Tensor(scalar: 0), base = SeededGenerator(seed: 9, counter: 4)
        let draws = (0..<2).map { s in ShardRandomness(shard: s).withGenerator(for: owner, base: base) { $0.next() } }
        XCTAssertNotEqual(draws[0], draws[1])
        var plain = base
        XCTAssertNotEqual(draws[0], plain.next())
        let shard = ShardRandomness(shard: 0)
        let twice = (0..<2).map { _ in shard.withGenerator(for: owner, base: base) { $0.next() } }
        XCTAssertNotEqual(twice[0], twice[1], "a fork keeps its position between uses within a step")
    }
}
