import Foundation
import Testing

@testable import NeuralNet

/// The Gaussian likelihood's default variance, (0.1 s)^2 to 3 digits, held
/// to [1e-6, 1e6], and 1 for data that do not vary.
struct DefaultVarianceTests {
  /// Mean variances s^2 and the variance they give: (0.1 s)^2 = s^2 / 100 to 3 digits.
  @Test(arguments: [(4.0, 0.04), (2.0, 0.02), (0.012_345_6, 0.000_123), (31_415.9, 314), (1e-4 * 9.876_54, 9.88e-6)])
  func theDataScale(meanVariance: Double, expected: Double) {
    let choice = VAEConfiguration.defaultVariance(meanVariance: meanVariance)
    guard case .scaled(let variance, let spread) = choice else {
      Issue.record("\(meanVariance): \(choice), not scaled")
      return
    }
    #expect(variance == expected && choice.variance == expected)
    #expect(abs(spread - meanVariance.squareRoot()) <= 1e-15 * spread)
  }

  /// Data of any scale: the variance is s^2 / 100 to within half a unit of its
  /// third digit, and is printed as it is used (at most three digits).
  @Test func threeDigitsOfAHundredthOfTheMeanVariance() {
    for exponent in stride(from: -3.9, through: 7.9, by: 0.17) {
      let meanVariance = pow(10, exponent)
      let variance = VAEConfiguration.defaultVariance(meanVariance: meanVariance).variance
      let target = meanVariance / 100
      #expect(abs(variance - target) <= 0.005 * target * (1 + 1e-12), "\(meanVariance): \(variance)")
      #expect(SignificantDigitsTests.significantDigits(of: variance) <= 3, "\(meanVariance): \(variance)")
    }
  }

  /// Beyond [1e-6, 1e6] the variance is held to the nearer end, and says what it would have been.
  @Test(arguments: [(1e-9, 1e-6, 1e-11), (1e9, 1e6, 1e7), (.infinity, 1e6, .infinity)])
  func heldToTheLimits(meanVariance: Double, expected: Double, scaled expectedScaled: Double) {
    let choice = VAEConfiguration.defaultVariance(meanVariance: meanVariance)
    guard case .held(let variance, let scaled, _) = choice else {
      Issue.record("\(meanVariance): \(choice), not held")
      return
    }
    #expect(variance == expected)
    #expect(scaled == expectedScaled || abs(scaled - expectedScaled) <= 1e-14 * expectedScaled)
    #expect(VAEConfiguration.defaultVarianceLimits.contains(variance))
  }

  /// Values that do not vary (or a variance that is not a number) have no spread to scale.
  @Test(arguments: [0.0, .nan])
  func noSpreadGivesOne(meanVariance: Double) {
    let choice = VAEConfiguration.defaultVariance(meanVariance: meanVariance)
    #expect(choice == .unit && choice.variance == 1)
  }
}
