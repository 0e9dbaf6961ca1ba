import Foundation
import Runtime
import TestSupport
import XCTest

/// Ops whose definitions users know from torch, against torch's outputs and gradients of
/// sum(out * r) (scripts/fixtures/tensor.py -> Tests/Fixtures/tensor/ops.json).
final class TorchParityTests: XCTestCase {
    func testOpsMatchTorch() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL("tensor/ops.json"))) as! [String: Any]
        func floats(_ key: String, in dict: [String: Any] = [:]) -> [Float]? {
            ((dict.isEmpty ? json : dict)[key] as? [Double])?.map(Float.init)
        }
        let labels = json["labels"] as! [Int]
        let ops = json["ops"] as! [String: [String: Any]]
        let table: [String: ([Tensor]) -> Tensor] = [
            "layer_norm": { layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-5) },
            "rms_norm": { rmsNorm($0[0], weight: $0[1], eps: 1e-6) },
            "gelu": { $0[0].gelu() },
            "gelu_tanh": { $0[0].geluTanh() },
            "silu": { $0[0].silu() },
            "softmax": { $0[0].softmax() },
            "log_softmax": { $0[0].logSoftmax() },
            "swiglu": { swiglu(gate: $0[0], up: $0[3]) },
            "cross_entropy_sum": { crossEntropySum(logits: $0[0], labels: labels).sum.reshaped([1, 1]) },
        ]
        XCTAssertEqual(Set(table.keys), Set(ops.keys))
        for (name, fn) in table {
            let expected = ops[name]!
            let inputs = [Tensor(floats("x")!, shape: [3, 5], requiresGrad: true), Tensor(floats("w")!, shape: [5], requiresGrad: true),
                          Tensor(floats("b")!, shape: [5], requiresGrad: true), Tensor(floats("up")!, shape: [3, 5], requiresGrad: true)]
            let out = fn(inputs)
            assertClose(out.scalars, floats("out", in: expected)!, rtol: 1e-5, atol: 1e-5, name)
            let r = out.count == 1 ? Tensor.ones(out.shape) : Tensor(floats("r")!, shape: [3, 5])
            let grads = (out * r).sum().backward()
            for (i, key) in ["grad_x", "grad_w", "grad_b", "grad_up"].enumerated() {
                if let want = floats(key, in: expected) {
                    assertClose(grads[inputs[i]]?.scalars ?? [], want, rtol: 1e-4, atol: 1e-5, "\(name) \(key)")
                } else {
                    XCTAssertNil(grads[inputs[i]], "\(name) \(key) should be absent")
                }
            }
        }
    }
}
