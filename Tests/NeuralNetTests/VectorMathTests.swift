import Foundation
import Testing

import Probability

@testable import NeuralNet

/// The SIMD functions against the C library's, over their whole input ranges.
struct VectorMathTests {
  @Test func expMatchesLibm() {
    var worst: Float = 0
    for k in 0...100_000 {
      let x = -90 * Float(k) / 100_000
      let value = VectorMath.exp(SIMD8(repeating: x))[0]
      let reference = Foundation.expf(x)
      if reference > 1e-37 { worst = max(worst, abs(value - reference) / reference) }
      if x < -87.5 { #expect(value == 0) }
    }
    #expect(worst < 3e-7, "worst relative error \(worst)")
  }

  @Test func logOnePlusMatchesLibm() {
    var worst: Float = 0
    for k in 0...100_000 {
      let u = Float(k) / 100_000
      for v in [u, u * 1e-6, u * 1e-30] {
        let value = VectorMath.logOnePlus(SIMD8(repeating: v), reciprocal: SIMD8(repeating: 1 / (1 + v)))[0]
        let reference = Foundation.log1pf(v)
        worst = max(worst, reference == 0 ? abs(value) : abs(value - reference) / reference)
      }
    }
    #expect(worst < 3e-7, "worst relative error \(worst)")
  }
}

/// The Float loss kernel (SIMD, split over two threads for large batches)
/// against the same formulas in Double, one element at a time.
struct BernoulliLossTests {
  @Test(arguments: [13, 40_003])
  func floatKernelMatchesDouble(count: Int) {
    var generator = Xoshiro256StarStar(seed: 5)
    // Logits from -100 to 100 (both exponential tails), targets in [0, 1] with exact 0s and 1s.
    let logits = (0..<count).map { _ in
      Float(200 * generator.nextUniform() - 100) * (generator.next() % 4 == 0 ? 1 : 0.05)
    }
    let targets = (0..<count).map { i in i % 5 == 0 ? Float(i % 2) : Float(generator.nextUniform()) }
    let scale: Float = 1 / 64
    let (total, gradient) = Likelihood.bernoulliLoss(logits: logits, targets: targets, scale: scale)
    var expected = 0.0
    for i in 0..<count {
      let (l, x) = (Double(logits[i]), Double(targets[i]))
      expected += max(l, 0) - l * x + Foundation.log1p(Foundation.exp(-abs(l)))
      let sigmoid = 1 / (1 + Foundation.exp(-l))
      #expect(abs(Double(gradient[i]) - Double(scale) * (sigmoid - x)) <= 2e-7 * Double(scale), "element \(i)")
    }
    #expect(abs(total - expected) <= 1e-6 * expected, "\(total) vs \(expected)")
  }
}
