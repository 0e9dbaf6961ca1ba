// Dropout masks drawn from the seeded generator, so a run replays exactly.

/// mask (n) = 0 with probability p, else 1 / (1 - p) (inverted dropout, as torch does).
public func dropoutMask(_ mask: UnsafeMutablePointer<Float>, count n: Int, p: Float, generator: inout SeededGenerator) {
    precondition(p >= 0 && p < 1, "dropout: probability \(p) must be in [0, 1)")
    let keep = 1 / (1 - p)
    for i in 0..<n { mask[i] = generator.nextUniform() < p ? 0 : keep }
}
