import Foundation
import Runtime
import TestSupport
import XCTest

/// AdamW and clipping against torch.optim.AdamW + clip_grad_norm_ (scripts/fixtures/tensor.py).
final class AdamWTests: XCTestCase {
    private func floats(_ any: Any?) -> [Float] { (any as! [Double]).map(Float.init) }

    func testMatchesTorchWithHFGroupingAndClipping() throws {
        let data = try Data(contentsOf: fixtureURL("tensor/adamw.json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let initial = json["init"] as! [String: Any]
        let weight = Tensor(floats(initial["weight"]), shape: [3, 4], requiresGrad: true)
        let bias = Tensor(floats(initial["bias"]), shape: [4], requiresGrad: true)
        var opt = AdamW(config: .init(weightDecay: Float(json["weight_decay"] as! Double)))
        for step in json["steps"] as! [[String: Any]] {
            var grads = Gradients()
            grads[weight] = Tensor(floats(step["grad_weight"]), shape: [3, 4])
            grads[bias] = Tensor(floats(step["grad_bias"]), shape: [4])
            let norm = clipGradientNorm(&grads, maxNorm: Float(json["max_grad_norm"] as! Double))
            assertClose(norm, step["norm"] as! Double, rtol: 1e-5)
            opt.step(parameters: [("w", weight), ("b", bias)], gradients: grads,
                     learningRate: Float(step["lr"] as! Double), noDecay: ["b"])
            assertClose(weight.scalars, floats(step["weight"]), rtol: 1e-5, atol: 1e-6)
            assertClose(bias.scalars, floats(step["bias"]), rtol: 1e-5, atol: 1e-6)
        }
        XCTAssertEqual(opt.state["w"]?.step, 3)
        XCTAssertEqual(opt.state["b"]?.expAvgSq.count, 4)
    }

    func testStateRoundTripsAndResumesIdentically() throws {
        func run(_ steps: Int, resumeAt: Int?) throws -> [Float] {
            let p = Tensor([1, -2, 3, 0.5, 7, -1, 2, 2, 9], shape: [9], requiresGrad: true)
            var opt = AdamW(config: .init(weightDecay: 0.01))
            for i in 0..<steps {
                if i == resumeAt {  // save and restore through Codable, as a checkpoint would
                    let saved = try JSONEncoder().encode(opt.state)
                    opt = AdamW(config: opt.config)
                    opt.state = try JSONDecoder().decode([String: AdamW.ParameterState].self, from: saved)
                }
                let grads = (p * p * Float(i + 1)).sum().backward()
                opt.step(parameters: [("p", p)], gradients: grads, learningRate: 0.1)
            }
            return p.scalars
        }
        XCTAssertEqual(try run(5, resumeAt: nil), try run(5, resumeAt: 3))
    }

    func testClippingLeavesSmallGradientsAlone() {
        let p = Tensor([0.1, 0.2], shape: [2], requiresGrad: true)
        var grads = (p * 1).sum().backward()
        let norm = clipGradientNorm(&grads, maxNorm: 5)
        assertClose(norm, (2 as Float).squareRoot())
        XCTAssertEqual(grads[p]?.scalars, [1, 1])
        clipGradientNorm(&grads, maxNorm: 0.5)
        assertClose(grads.globalNorm, 0.5, rtol: 1e-5)
    }
}
