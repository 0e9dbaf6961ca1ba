import Runtime
import TestSupport
import XCTest

final class AutogradTests: XCTestCase {
    func testNoGraphWithoutGradients() {
        let w = Tensor([1, 2], shape: [2], requiresGrad: true)
        let x = Tensor([3, 4], shape: [2])
        XCTAssertFalse((x * 2).requiresGrad, "no input needs a gradient: nothing recorded")
        XCTAssertTrue((x * w).requiresGrad)
        XCTAssertFalse(withNoGrad { x * w }.requiresGrad, "withNoGrad records nothing")
        XCTAssertTrue(GradMode.enabled)
        XCTAssertTrue(withNoGrad { withNoGrad { !GradMode.enabled } })
        XCTAssertTrue((x * w).requiresGrad, "the scope ends with its closure")
        XCTAssertTrue(withNoGrad { x * w }.backward(gradient: Tensor.ones([2])).isEmpty)
    }

    func testGradientsKeyedByIdentityAndSummedOverUses() {
        let w = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        let frozen = Tensor([5, 5, 5], shape: [3])
        // w used twice: d/dw sum(w*w + w*frozen) = 2w + frozen.
        let grads = (w * w + w * frozen).sum().backward()
        XCTAssertEqual(grads.count, 1, "only leaves that require gradients appear")
        XCTAssertEqual(grads[w]?.scalars, [7, 9, 11])
        XCTAssertNil(grads[frozen])
        XCTAssertNil(grads[Tensor([1, 2, 3], shape: [3])], "equal values, different tensor")
    }

    func testViewsPropagateGradients() {
        let w = Tensor((0..<6).map(Float.init), shape: [3, 2], requiresGrad: true)
        let loss = (w.rows(1..<3).reshaped([4]) * Tensor([1, 2, 3, 4], shape: [4])).sum()
        XCTAssertEqual(loss.backward()[w]?.scalars, [0, 0, 1, 2, 3, 4])
    }

    func testExplicitAccumulationAndScaling() {
        let w = Tensor([1, -1], shape: [2], requiresGrad: true)
        var total = Gradients()
        for k in 1...3 {
            total += (w * Float(k)).sum().backward()
        }
        XCTAssertEqual(total[w]?.scalars, [6, 6])
        XCTAssertEqual(total.scaled(by: 0.5)[w]?.scalars, [3, 3])
        assertClose(total.globalNorm, (72 as Float).squareRoot())
    }

    func testDetachedStopsGradient() {
        let w = Tensor([2], shape: [1], requiresGrad: true)
        let grads = (w * w.detached()).sum().backward()
        XCTAssertEqual(grads[w]?.scalars, [2])
    }

    func testDeepChainDoesNotRecurse() {
        // 20k ops: the topological sort is iterative, so no stack overflow.
        let w = Tensor([1], shape: [1], requiresGrad: true)
        var y = w
        for _ in 0..<20_000 { y = y * 1.0 }
        XCTAssertEqual(y.sum().backward()[w]?.scalars, [1])
    }
}
