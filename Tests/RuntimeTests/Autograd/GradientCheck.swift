import Runtime
import TestSupport
import XCTest

/// Float64 central-difference gradient check of a Float32 autograd op.
///
/// The op runs in Float32 with autograd; its scalar objective is sum(out * w) for a fixed random
/// w, so every output element matters with a different weight. The numeric side perturbs each
/// input value by ±h in Double and evaluates the op's Double reference (written from the
/// definition, see `ReferenceKernels`), so the only Float32 quantity compared is the analytic
/// gradient: a wrong backward rule fails, a Float32 rounding cannot hide behind h.
enum GradientCheck {
    struct Report {
        /// Largest |analytic - numeric| / (atol + rtol * |numeric|) over all inputs; <= 1 passes.
        var worstRatio: Double
        var worstWhere: String
        var forwardMatches: Bool
    }

    static func run(shapes: [[Int]], seed: UInt64 = 7, positive: Bool = false, h: Double = 1e-6,
                    rtol: Double = 2e-3, atol: Double = 2e-4,
                    op: ([Tensor]) -> Tensor, reference: ([[Double]]) -> [Double]) -> Report {
        var rng = SeededGenerator(seed: seed)
        let values: [[Float]] = shapes.map { shape in
            let t = positive ? Tensor.uniform(shape, low: 0.5, high: 2, generator: &rng) : Tensor.randn(shape, generator: &rng)
            return t.scalars
        }
        let inputs = zip(values, shapes).map { Tensor($0, shape: $1, requiresGrad: true) }
        let out = op(inputs)
        let w = Tensor.randn(out.shape, generator: &rng)
        let grads = (out * w).sum().backward()
        let weights = w.scalars.map(Double.init)
        let doubles = values.map { $0.map(Double.init) }
        let refOut = reference(doubles)
        var report = Report(worstRatio: 0, worstWhere: "", forwardMatches: true)
        if refOut.count != out.count { report.forwardMatches = false; return report }
        for (a, b) in zip(out.scalars, refOut) where abs(Double(a) - b) > 1e-4 + 1e-4 * abs(b) {
            report.forwardMatches = false
        }
        func objective(_ xs: [[Double]]) -> Double { zip(reference(xs), weights).map { $0 * $1 }.reduce(0, +) }
        for i in inputs.indices {
            let analytic = grads[inputs[i]]?.scalars ?? [Float](repeating: 0, count: inputs[i].count)
            for j in 0..<values[i].count {
                var plus = doubles, minus = doubles
                plus[i][j] += h
                minus[i][j] -= h
                let numeric = (objective(plus) - objective(minus)) / (2 * h)
                let ratio = abs(Double(analytic[j]) - numeric) / (atol + rtol * abs(numeric))
                if ratio > report.worstRatio {
                    report.worstRatio = ratio
                    report.worstWhere = "input \(i) [\(j)]: analytic \(analytic[j]) numeric \(numeric)"
                }
            }
        }
        return report
    }

    /// Asserts forward agreement and gradient agreement.
    static func assertPasses(shapes: [[Int]], seed: UInt64 = 7, positive: Bool = false,
                             op: ([Tensor]) -> Tensor, reference: ([[Double]]) -> [Double],
                             file: StaticString = #filePath, line: UInt = #line) {
        let r = run(shapes: shapes, seed: seed, positive: positive, op: op, reference: reference)
        XCTAssertTrue(r.forwardMatches, "forward differs from the float64 reference", file: file, line: line)
        XCTAssertLessThanOrEqual(r.worstRatio, 1, "gradient check failed at \(r.worstWhere)", file: file, line: line)
    }

    /// The same check along one random direction per input: compares <analytic gradient, u>
    /// with (f(x + h u) - f(x - h u)) / 2h. Two evaluations per input instead of two per value,
    /// so large sizes (which run the SIMD blocks and their tails) stay cheap; a wrong value
    /// anywhere changes the product unless it is orthogonal to a random u.
    static func directionalErrors(shapes: [[Int]], seed: UInt64 = 11,
                                  op: ([Tensor]) -> Tensor, reference: ([[Double]]) -> [Double]) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        let values: [[Float]] = shapes.map { Tensor.randn($0, generator: &rng).scalars }
        let inputs = zip(values, shapes).map { Tensor($0, shape: $1, requiresGrad: true) }
        let out = op(inputs)
        let w = Tensor.randn(out.shape, generator: &rng)
        let grads = (out * w).sum().backward()
        let weights = w.scalars.map(Double.init), doubles = values.map { $0.map(Double.init) }
        func objective(_ xs: [[Double]]) -> Double { zip(reference(xs), weights).map { $0 * $1 }.reduce(0, +) }
        let h = 1e-6
        return inputs.indices.map { i in
            let u = Tensor.randn(shapes[i], generator: &rng).scalars.map(Double.init)
            let analytic = zip(grads[inputs[i]]?.scalars ?? [], u).map { Double($0) * $1 }.reduce(0, +)
            var plus = doubles, minus = doubles
            for j in u.indices { plus[i][j] += h * u[j]; minus[i][j] -= h * u[j] }
            let numeric = (objective(plus) - objective(minus)) / (2 * h)
            return abs(analytic - numeric) / max(1, abs(numeric))
        }
    }

    /// Asserts every directional error is below 1e-3.
    static func assertDirectionalPasses(shapes: [[Int]], op: ([Tensor]) -> Tensor, reference: ([[Double]]) -> [Double],
                                        file: StaticString = #filePath, line: UInt = #line) {
        let errors = directionalErrors(shapes: shapes, op: op, reference: reference)
        XCTAssertLessThan(errors.max() ?? 0, 1e-3, "directional gradient check, shapes \(shapes): \(errors)", file: file, line: line)
    }
}
