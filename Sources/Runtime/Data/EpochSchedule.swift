/// Where a run is in its data: the epoch and the next batch within it. Saved in checkpoints so
/// a resumed run continues with exactly the batches the uninterrupted run would have seen.
public struct DataPosition: Sendable, Equatable, Hashable, Codable, Comparable {
    public var epoch: Int
    public var batch: Int

    public init(epoch: Int = 0, batch: Int = 0) {
        self.epoch = epoch
        self.batch = batch
    }

    public static func < (a: DataPosition, b: DataPosition) -> Bool {
        (a.epoch, a.batch) < (b.epoch, b.batch)
    }
}

/// The batches of a tokenized data set, epoch after epoch, in a seeded order that depends only on
/// (seed, epoch): epoch e visits the units (examples, or packed rows) in the permutation of
/// `ShuffleGenerator(seed: seed, stream: e)`, cut into consecutive batches of `batchSize` units
/// (the last one may be smaller). Packing happens once, before ordering, so every epoch has the
/// same rows.
public struct EpochSchedule: Sendable {
    public let dataset: TokenizedDataset
    public let batchSize: Int
    public let seed: UInt64
    public let shuffle: Bool
    public let padId: Int
    /// Rows of examples (indices into `dataset.examples`): one example each when padding, the
    /// best-fit packing when packing.
    public let units: [[Int]]
    /// The packed rows' capacity in tokens, nil when padding.
    public let packCapacity: Int?
    public let padToMultipleOf: Int

    /// - Parameters:
    ///   - packCapacity: pack examples into rows of this many tokens (usually max_len); nil pads
    ///     each example in its own row. Throws if an example is longer than the capacity.
    public init(dataset: TokenizedDataset, batchSize: Int, seed: UInt64 = 42, shuffle: Bool = true,
                padId: Int, packCapacity: Int? = nil, padToMultipleOf: Int = 1) throws {
        guard batchSize >= 1 else { throw DataError(file: "", key: "batch_size", "batch size \(batchSize) must be at least 1") }
        guard padToMultipleOf >= 1 else {
            throw DataError(file: "", key: "pad_to_multiple_of", "pad_to_multiple_of \(padToMultipleOf) must be at least 1")
        }
        guard !dataset.examples.isEmpty else {
            throw DataError(file: "", "no examples left to train on (\(dataset.summary.dropped.count) dropped)")
        }
        self.dataset = dataset
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.padId = padId
        self.padToMultipleOf = padToMultipleOf
        self.packCapacity = packCapacity
        if let capacity = packCapacity {
            if let long = dataset.examples.first(where: { $0.length > capacity }) {
                throw DataError(file: "", line: long.line, key: "pack",
                                "an example of \(long.length) tokens does not fit packed rows of \(capacity) tokens")
            }
            units = BestFitPacking.rows(lengths: dataset.examples.map(\.length), capacity: capacity)
        } else {
            units = dataset.examples.indices.map { [$0] }
        }
    }

    public var batchesPerEpoch: Int { (units.count + batchSize - 1) / batchSize }

    /// The order of units in `epoch`.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(units.indices) }
        var g = ShuffleGenerator(seed: seed, stream: UInt64(epoch))
        return g.permutation(units.count)
    }

    /// The batch at `position` (its batch index must be below `batchesPerEpoch`). Computes the
    /// epoch's order; to walk many batches use `EpochCursor`, which keeps it.
    public func batch(at position: DataPosition) -> TokenBatch {
        batch(at: position, order: order(epoch: position.epoch))
    }

    func batch(at position: DataPosition, order: [Int]) -> TokenBatch {
        precondition(position.batch >= 0 && position.batch < batchesPerEpoch,
                     "batch \(position.batch) is outside 0..<\(batchesPerEpoch)")
        let slice = order[(position.batch * batchSize)..<min(order.count, (position.batch + 1) * batchSize)]
        let groups = slice.map { units[$0].map { dataset.examples[$0] } }
        return TokenBatch(groups: groups, padId: padId, padToMultipleOf: padToMultipleOf)
    }

    /// The position after `position`: the next batch, or the first batch of the next epoch.
    public func position(after position: DataPosition) -> DataPosition {
        position.batch + 1 < batchesPerEpoch
            ? DataPosition(epoch: position.epoch, batch: position.batch + 1)
            : DataPosition(epoch: position.epoch + 1, batch: 0)
    }

    /// Real tokens over the area they occupy: rows x capacity when packed, else the padded
    /// batches' rows x length in epoch 0's order.
    public var fillRatio: Double {
        let real = dataset.examples.reduce(0) { $0 + $1.length }
        if let capacity = packCapacity { return Double(real) / Double(units.count * capacity) }
        let order = order(epoch: 0)
        var area = 0
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let slice = order[start..<min(order.count, start + batchSize)]
            let longest = slice.map { dataset.examples[$0].length }.max() ?? 0
            area += slice.count * ((longest + padToMultipleOf - 1) / padToMultipleOf * padToMultipleOf)
        }
        return area == 0 ? 0 : Double(real) / Double(area)
    }
}

/// Walks a schedule batch after batch from a position (a fresh run's `DataPosition()` or one saved
/// in a checkpoint), keeping the current epoch's order so each step costs only its batch.
public struct EpochCursor: Sendable {
    public let schedule: EpochSchedule
    /// The position of the batch `next()` returns; save it to resume.
    public private(set) var position: DataPosition
    private var order: [Int]

    public init(schedule: EpochSchedule, from position: DataPosition = DataPosition()) throws {
        guard position.epoch >= 0, position.batch >= 0, position.batch < schedule.batchesPerEpoch else {
            throw DataError(file: "", key: "position", "data position (epoch \(position.epoch), batch \(position.batch)) "
                                + "does not exist: an epoch has \(schedule.batchesPerEpoch) batches")
        }
        self.schedule = schedule
        self.position = position
        order = schedule.order(epoch: position.epoch)
    }

    /// The batch at `position`, then advances (into the next epoch after its last batch).
    public mutating func next() -> TokenBatch {
        let batch = schedule.batch(at: position, order: order)
        let after = schedule.position(after: position)
        if after.epoch != position.epoch { order = schedule.order(epoch: after.epoch) }
        position = after
        return batch
    }
}
