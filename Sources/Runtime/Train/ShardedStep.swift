/// Data-parallel training on one machine: a batch's rows are split into shards, one per thread,
/// and each shard runs its own forward and backward with single-threaded kernels; the shards'
/// gradients are summed in shard order. Examples never attend to each other, so this is the same
/// computation as the whole batch, only the order of the final sums differs.
///
/// Why: splitting each matrix product across two threads costs a hand-off per product (hundreds
/// per step, most of them small), while two shards run side by side with nothing to wait for
/// until the sum. Measured in docs/benchmarks.md (Run 7).

/// The loss sum and the gradients of `batch` scaled by `1 / normalizer` (the supervised tokens of
/// the whole accumulated step), with its rows split across `ThreadPolicy.availableThreads` shards.
/// Dropout inside a shard draws from a fork of each layer's stream (see `ShardRandomness`); when
/// the batch ran in more than one shard, every adapter's stream then advances by one value so the
/// next step draws new masks.
public func shardedLossAndGradients(_ model: any CausalLM, _ batch: TokenBatch, normalizer: Int) -> (lossSum: Double, gradients: Gradients) {
    let shards = balancedShards(batch, count: ThreadPolicy.availableThreads)
    let scale = 1 / Float(max(normalizer, 1))
    func run(_ shard: TokenBatch) -> (Double, Gradients) {
        let (input, labels) = modelRows(shard)
        let loss = model.loss(input, labels: labels)
        return (Double(loss.sum.item), (loss.sum * scale).backward())
    }
    if shards.count == 1 { return run(shards[0]) }
    let results = ShardResults(count: shards.count)
    ThreadPolicy.parallelFor(shards.count) { range in
        for s in range {
            results.store(s, ShardRandomness.$current.withValue(ShardRandomness(shard: s)) { run(shards[s]) })
        }
    }
    for (_, layer) in loraLayers(of: model) { layer.generator.counter &+= 1 }
    var lossSum = 0.0, gradients = Gradients()
    for (shardLoss, shardGradients) in results.values {
        lossSum += shardLoss
        gradients += shardGradients
    }
    return (lossSum, gradients)
}

/// Splits `batch` into at most `count` batches of whole rows with about equal real tokens
/// (longest rows first, each to the lightest shard), rows kept in their order within a shard.
/// A shard never gets zero rows; a batch of one row is one shard.
public func balancedShards(_ batch: TokenBatch, count: Int) -> [TokenBatch] {
    let shardCount = min(max(count, 1), batch.rows)
    if shardCount <= 1 { return [batch] }
    let tokens = (0..<batch.rows).map { r in
        batch.sequenceIds[(r * batch.length)..<((r + 1) * batch.length)].reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
    }
    var load = [Int](repeating: 0, count: shardCount)
    var members = [[Int]](repeating: [], count: shardCount)
    for r in (0..<batch.rows).sorted(by: { tokens[$0] != tokens[$1] ? tokens[$0] > tokens[$1] : $0 < $1 }) {
        let lightest = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
        load[lightest] += tokens[r]
        members[lightest].append(r)
    }
    return members.filter { !$0.isEmpty }.map { batch.selectingRows($0.sorted()) }
}

extension TokenBatch {
    /// The batch made of `rows` (indices into this one, in the order given), trimmed to the
    /// longest of them.
    public func selectingRows(_ rows: [Int]) -> TokenBatch {
        let used = rows.map { r in
            (0..<length).last { sequenceIds[r * length + $0] >= 0 }.map { $0 + 1 } ?? 0
        }.max() ?? 0
        var out = self
        out.rows = rows.count
        out.length = used
        func pick(_ values: [Int]) -> [Int] {
            rows.flatMap { r in values[(r * length)..<(r * length + used)] }
        }
        out.inputIds = pick(inputIds)
        out.labels = pick(labels)
        out.positionIds = pick(positionIds)
        out.sequenceIds = pick(sequenceIds)
        out.exampleIndices = rows.map { exampleIndices[$0] }
        return out
    }
}

/// The random streams of one shard of a data-parallel step. Layers that draw random numbers
/// while training (LoRA dropout) ask it for their generator instead of using their own, which
/// two shards would otherwise advance at the same time: shard `s` draws from a stream derived
/// from the layer's next value and `s`, so masks are reproducible and differ between shards.
/// Unchecked Sendable: it is bound (task-local) on its shard's thread only and never shared.
public final class ShardRandomness: @unchecked Sendable {
    @TaskLocal public static var current: ShardRandomness?

    public let shard: Int
    private var forks: [ObjectIdentifier: SeededGenerator] = [:]

    public init(shard: Int) {
        self.shard = shard
    }

    /// Runs `body` with this shard's generator for `owner`, forked from `base` on first use.
    public func withGenerator<R>(for owner: AnyObject, base: SeededGenerator, _ body: (inout SeededGenerator) -> R) -> R {
        let key = ObjectIdentifier(owner)
        var generator = forks[key] ?? SeededGenerator(seed: base.value(at: base.counter)).derived(UInt64(shard))
        defer { forks[key] = generator }
        return body(&generator)
    }
}

/// One slot per shard, written by the shard's thread (disjoint slots), read after the loop.
private final class ShardResults: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<(Double, Gradients)?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func store(_ shard: Int, _ value: (Double, Gradients)) {
        slots[shard] = value
    }

    var values: [(Double, Gradients)] { slots.map { $0! } }
}
