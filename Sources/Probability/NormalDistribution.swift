import RealModule

/// The univariate normal N(mean, standardDeviation^2).
public struct NormalDistribution: Sendable, Equatable {
  public var mean: Double
  public var standardDeviation: Double

  public init(mean: Double, standardDeviation: Double) {
    self.mean = mean
    self.standardDeviation = standardDeviation
  }

  /// exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)).
  public func density(_ x: Double) -> Double {
    let standardised = (x - mean) / standardDeviation
    return Double.exp(-0.5 * standardised * standardised) / (standardDeviation * (2 * Double.pi).squareRoot())
  }

  /// Phi((x - mu) / sigma) = erfc(-(x - mu) / (sigma sqrt 2)) / 2; erfc keeps the
  /// lower tail accurate where 1 + erf would cancel.
  public func cumulativeProbability(_ x: Double) -> Double {
    0.5 * Double.erfc(-(x - mean) / (standardDeviation * 2.0.squareRoot()))
  }

  /// Probability of the interval [lower, upper).
  public func probability(from lower: Double, to upper: Double) -> Double {
    // Use the upper tail on the right of the mean, so both differences are of small numbers.
    if lower > mean {
      let survival = { (x: Double) in 0.5 * Double.erfc((x - self.mean) / (self.standardDeviation * 2.0.squareRoot())) }
      return survival(lower) - survival(upper)
    }
    return cumulativeProbability(upper) - cumulativeProbability(lower)
  }
}
