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

  /// The quantile Phi^-1(p) scaled to this normal, for p in (0, 1): Acklam's
  /// rational approximation (relative error below 1.2e-9; the tail form below p = 0.02425; P. J. Acklam, "An
  /// algorithm for computing the inverse normal cumulative distribution
  /// function", 2003), then one Halley step on Phi(x) - p, which brings it to
  /// double precision. Returns -infinity at 0, +infinity at 1, NaN outside [0, 1].
  public func quantile(_ p: Double) -> Double {
    guard p > 0 && p < 1 else {
      return p == 0 ? -.infinity : (p == 1 ? .infinity : .nan)
    }
    let a = [
      -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
      -3.066479806614716e+01, 2.506628277459239e+00,
    ]
    let b = [
      -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
      -1.328068155288572e+01,
    ]
    let c = [
      -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
      4.374664141464968e+00, 2.938163982698783e+00,
    ]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    func horner(_ coefficients: [Double], _ x: Double) -> Double { coefficients.reduce(0) { $0 * x + $1 } }
    // The upper half by symmetry, x(p) = -x(1 - p) (1 - p is exact there), so
    // that the Halley step's Phi(x) - p is a difference of small numbers.
    let lower = min(p, 1 - p)
    var x: Double
    if lower < 0.02425 {
      let q = (-2 * Double.log(lower)).squareRoot()
      x = horner(c, q) / (horner(d, q) * q + 1)
    } else {
      let q = lower - 0.5
      let r = q * q
      x = horner(a, r) * q / (horner(b, r) * r + 1)
    }
    // Halley: e = Phi(x) - p, u = e / phi(x), x -= u / (1 + x u / 2).
    let e = 0.5 * Double.erfc(-x / 2.0.squareRoot()) - lower
    let u = e * (2 * Double.pi).squareRoot() * Double.exp(x * x / 2)
    x -= u / (1 + x * u / 2)
    if p > 0.5 { x = -x }
    return mean + standardDeviation * x
  }

  /// The standard error of the mean of n independent draws, sigma / sqrt(n):
  /// the spread of the sample mean around mu, with sigma known, not estimated.
  public func standardErrorOfMean(draws n: Int) -> Double { standardDeviation / Double(n).squareRoot() }

  /// How far the mean of n draws lies from mu, in standard errors:
  /// (sample mean - mu) / (sigma / sqrt(n)), itself N(0, 1) for draws from this normal.
  public func standardErrors(ofSampleMean sampleMean: Double, draws n: Int) -> Double {
    (sampleMean - mean) / standardErrorOfMean(draws: n)
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
