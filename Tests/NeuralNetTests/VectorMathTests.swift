import Foundation
import Testing

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
        let value = VectorMath.logOnePlus(SIMD8(repeating: v))[0]
        let reference = Foundation.log1pf(v)
        worst = max(worst, reference == 0 ? abs(value) : abs(value - reference) / reference)
      }
    }
    #expect(worst < 3e-7, "worst relative error \(worst)")
  }
}
