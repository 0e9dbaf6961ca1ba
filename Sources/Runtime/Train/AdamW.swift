import Foundation

/// AdamW with decoupled weight decay, as torch.optim.AdamW under HF's Trainer defaults.
///
/// Per step t of a parameter p with gradient g (torch's order of operations):
///     p -= lr * weightDecay * p                      (skipped for names in `noDecay`)
///     m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
///     p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// State is kept per parameter NAME (not per tensor object), so it can be saved with a
/// checkpoint and restored into a freshly loaded model; `state` exposes it.
public struct AdamW: Sendable {
    /// Hyperparameters; the learning rate is passed per step (schedules own it).
    public struct Config: Sendable, Codable, Equatable {
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var eps: Float = 1e-8
        /// HF's default is 0.
        public var weightDecay: Float = 0

        public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
        }
    }

    /// One parameter's moments and its step count (torch's exp_avg, exp_avg_sq, step).
    public struct ParameterState: Sendable, Codable, Equatable {
        public var step: Int
        public var expAvg: [Float]
        public var expAvgSq: [Float]

        public init(step: Int, expAvg: [Float], expAvgSq: [Float]) {
            self.step = step
            self.expAvg = expAvg
            self.expAvgSq = expAvgSq
        }
    }

    public var config: Config
    /// Moments by dotted parameter name.
    public var state: [String: ParameterState] = [:]

    public init(config: Config = Config()) {
        self.config = config
    }

    /// Updates the trainable parameters of `model` in place from `gradients`, with no weight
    /// decay on biases and norm weights (`Module.noWeightDecayNames`). Parameters without a
    /// gradient are left alone (their step count does not advance).
    public mutating func step(model: Module, gradients: Gradients, learningRate: Float) {
        step(parameters: model.trainableParameters(), gradients: gradients, learningRate: learningRate,
             noDecay: config.weightDecay == 0 ? [] : model.noWeightDecayNames())
    }

    /// Updates `parameters` (name, tensor) in place; names in `noDecay` get no weight decay.
    public mutating func step(parameters: [(name: String, tensor: Tensor)], gradients: Gradients,
                              learningRate: Float, noDecay: Set<String> = []) {
        for (name, p) in parameters {
            guard let g = gradients[p] else { continue }
            var s = state.removeValue(forKey: name)
                ?? ParameterState(step: 0, expAvg: .init(repeating: 0, count: p.count), expAvgSq: .init(repeating: 0, count: p.count))
            precondition(s.expAvg.count == p.count, "AdamW: state of '\(name)' has \(s.expAvg.count) values, parameter \(p.shape)")
            s.step += 1
            let decay = noDecay.contains(name) ? 0 : config.weightDecay
            // Bias corrections in Double, as torch computes them from a Python float step.
            let t = Double(s.step)
            let bc1 = Float(1 - pow(Double(config.beta1), t)), bc2 = Float(1 - pow(Double(config.beta2), t))
            p.withUnsafeMutableBufferPointer { pb in
                s.expAvg.withUnsafeMutableBufferPointer { m in
                    s.expAvgSq.withUnsafeMutableBufferPointer { v in
                        adamwUpdate(pb.baseAddress!, g.pointer, m.baseAddress!, v.baseAddress!, count: p.count,
                                    learningRate: learningRate, beta1: config.beta1, beta2: config.beta2, eps: config.eps,
                                    weightDecay: decay, biasCorrection1: bc1, biasCorrection2: bc2)
                    }
                }
            }
            state[name] = s
        }
    }
}

/// One AdamW update of param (n) from grad (n), moments m and v (n) updated in place.
func adamwUpdate(_ param: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                 _ v: UnsafeMutablePointer<Float>, count n: Int, learningRate lr: Float, beta1: Float, beta2: Float,
                 eps: Float, weightDecay: Float, biasCorrection1 bc1: Float, biasCorrection2 bc2: Float) {
    let decayFactor = 1 - lr * weightDecay
    let stepSize = lr / bc1
    let rootBC2 = bc2.squareRoot()
    let b1 = SIMD8<Float>(repeating: beta1), b2 = SIMD8<Float>(repeating: beta2)
    let c1 = SIMD8<Float>(repeating: 1 - beta1), c2 = SIMD8<Float>(repeating: 1 - beta2)
    var i = 0
    while i + 8 <= n {
        let g = loadSIMD8(grad + i)
        let mi = b1 * loadSIMD8(m + i) + c1 * g
        let vi = b2 * loadSIMD8(v + i) + c2 * g * g
        let denom = vi.squareRoot() / rootBC2 + eps
        storeSIMD8(m + i, mi)
        storeSIMD8(v + i, vi)
        storeSIMD8(param + i, loadSIMD8(param + i) * decayFactor - stepSize * mi / denom)
        i += 8
    }
    while i < n {
        let g = grad[i]
        m[i] = beta1 * m[i] + (1 - beta1) * g
        v[i] = beta2 * v[i] + (1 - beta2) * g * g
        param[i] = param[i] * decayFactor - stepSize * m[i] / (v[i].squareRoot() / rootBC2 + eps)
        i += 1
    }
}
