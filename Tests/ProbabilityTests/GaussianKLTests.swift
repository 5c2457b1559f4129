import RealModule
import Testing

@testable import Probability

/// The closed form against an independent reference: the integral
/// KL(q || p) = integral of q(z) (log q(z) - log p(z)) dz by composite Simpson
/// quadrature over q's mean +- 12 standard deviations.
func klByQuadrature(m1: Double, s1: Double, m2: Double, s2: Double) -> Double {
  let q = NormalDistribution(mean: m1, standardDeviation: s1)
  let logRatio = { (z: Double) -> Double in
    let a = (z - m1) / s1
    let b = (z - m2) / s2
    return Double.log(s2 / s1) - 0.5 * a * a + 0.5 * b * b
  }
  let intervals = 20_000
  let (lower, upper) = (m1 - 12 * s1, m1 + 12 * s1)
  let h = (upper - lower) / Double(intervals)
  var sum = 0.0
  for i in 0...intervals {
    let z = lower + Double(i) * h
    let weight: Double = (i == 0 || i == intervals) ? 1 : (i % 2 == 1 ? 4 : 2)
    sum += weight * q.density(z) * logRatio(z)
  }
  return sum * h / 3
}

struct GaussianKLTests {
  /// The anchors vaelab must print exactly, with their values to 15 digits.
  @Test(arguments: [
    (0.0, 1.0, 0.0), (2.0, 1.0, 2.0),
    (0.0, 0.5, 0.318_147_180_559_945_3), (1.0, 2.0, 1.306_852_819_440_054_7),
  ])
  func anchors(mu: Double, sigma: Double, expected: Double) {
    let kl = GaussianKL.divergence(mean: mu, logVariance: 2 * Double.log(sigma))
    #expect(kl.isApproximatelyEqual(to: expected, absoluteTolerance: 1e-14))
    #expect(kl.isApproximatelyEqual(to: klByQuadrature(m1: mu, s1: sigma, m2: 0, s2: 1), absoluteTolerance: 1e-9))
  }

  @Test(arguments: [
    (0.0, 1.0, 1.0, 2.0), (1.0, 2.0, 0.0, 1.0), (-3.0, 0.1, 2.0, 5.0), (0.5, 3.0, 0.5, 0.2), (4.0, 1.0, 4.0, 1.0),
  ])
  func generalPairsAgreeWithQuadrature(m1: Double, s1: Double, m2: Double, s2: Double) {
    let kl = GaussianKL.divergence(
      mean: m1, logVariance: 2 * Double.log(s1), fromMean: m2, logVariance: 2 * Double.log(s2))
    // The textbook form, log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2.
    let textbook = Double.log(s2 / s1) + (s1 * s1 + (m1 - m2) * (m1 - m2)) / (2 * s2 * s2) - 0.5
    #expect(kl.isApproximatelyEqual(to: textbook, relativeTolerance: 1e-12))
    #expect(kl.isApproximatelyEqual(to: klByQuadrature(m1: m1, s1: s1, m2: m2, s2: s2), absoluteTolerance: 1e-8))
  }

  @Test func isZeroOnlyAtTheSecondDistribution() {
    #expect(GaussianKL.divergence(mean: 0.7, logVariance: -0.3, fromMean: 0.7, logVariance: -0.3) == 0)
    for (mu, logVariance) in [(1e-4, 0.0), (0.0, 1e-4), (0.0, -1e-4)] {
      #expect(GaussianKL.divergence(mean: mu, logVariance: logVariance) > 0)
    }
  }

  @Test func isNotSymmetric() {
    let forward = GaussianKL.divergence(mean: 0, logVariance: 0, fromMean: 1, logVariance: 2 * Double.log(2))
    let reverse = GaussianKL.divergence(mean: 1, logVariance: 2 * Double.log(2), fromMean: 0, logVariance: 0)
    #expect(forward.isApproximatelyEqual(to: 0.443_147_180_559_945_3, absoluteTolerance: 1e-14))
    #expect(reverse.isApproximatelyEqual(to: 1.306_852_819_440_054_7, absoluteTolerance: 1e-14))
  }

  /// phi(t) = e^t - 1 - t near 0 is where the naive form cancels. References:
  /// for |t| <= 1e-4 the series t^2/2 + t^3/6 + t^4/24 + t^5/120 (the next term is
  /// below 1e-18 relative); elsewhere expm1(t) - t in 80-bit extended precision.
  @Test(arguments: [1e-8, -1e-8, 1e-4, -3e-3, 0.05, -0.0999, 0.5, -3])
  func varianceTermIsAccurate(t: Double) {
    let reference: Double
    if abs(t) <= 1e-4 {
      reference = t * t / 2 + t * t * t / 6 + t * t * t * t / 24 + t * t * t * t * t / 120
    } else {
      let extended = Float80(t)
      reference = Double(Float80.expMinusOne(extended) - extended)
    }
    #expect(GaussianKL.expMinusOneMinusIdentity(t).isApproximatelyEqual(to: reference, relativeTolerance: 1e-14))
  }

  @Test func varianceTermIsContinuousAtTheSeriesCutOff() {
    let below = GaussianKL.expMinusOneMinusIdentity(0.1.nextDown)
    let above = GaussianKL.expMinusOneMinusIdentity(0.1)
    #expect(below.isApproximatelyEqual(to: above, relativeTolerance: 1e-13))
    #expect(
      GaussianKL.expMinusOneMinusIdentity(2).isApproximatelyEqual(to: Double.exp(2) - 3, relativeTolerance: 1e-15))
  }

  @Test func tinySigmaGivesTheLargeFiniteDivergence() {
    // 0.5 * (1e-300 + 0 - 1 - log 1e-300): sigma^2 itself would underflow in the textbook form's log.
    let kl = GaussianKL.divergence(mean: 0, logVariance: 2 * Double.log(1e-150))
    #expect(kl.isApproximatelyEqual(to: 0.5 * (300 * Double.log(10) - 1), relativeTolerance: 1e-14))
  }

  @Test func sumsOverDimensions() {
    let q = DiagonalGaussian(mean: [0, 2, 1], standardDeviation: [0.5, 1, 2])
    let perDimension = GaussianKL.perDimension(q, from: .standard(dimension: 3))
    #expect(perDimension.count == 3)
    #expect(perDimension[1] == 2)
    #expect(
      perDimension.reduce(0, +).isApproximatelyEqual(
        to: 0.318_147_180_559_945_3 + 2 + 1.306_852_819_440_054_7, relativeTolerance: 1e-14))
  }

  /// The Monte Carlo estimate agrees with the closed form within 4 standard
  /// errors (seeded, so it cannot flake; 4 s.e. would fail by chance 1 in 16 000).
  @Test(arguments: [
    ([1.0], [2.0], [0.0], [1.0], UInt64(1)), ([0.0, 2.0], [0.5, 1.0], [0.0, 0.0], [1.0, 1.0], UInt64(2)),
    ([0.0], [1.0], [1.0], [2.0], UInt64(3)), ([1.0], [2.0], [0.0], [1.0], UInt64(4)),
  ])
  func monteCarloAgreesWithTheClosedForm(m1: [Double], s1: [Double], m2: [Double], s2: [Double], seed: UInt64) throws {
    let q = DiagonalGaussian(mean: m1, standardDeviation: s1)
    let p = DiagonalGaussian(mean: m2, standardDeviation: s2)
    var generator = Xoshiro256StarStar(seed: seed)
    let estimate = try GaussianKL.monteCarlo(q, from: p, count: 200_000, using: &generator)
    let exact = GaussianKL.perDimension(q, from: p).reduce(0, +)
    #expect(estimate.count == 200_000)
    #expect(abs(estimate.mean - exact) < 4 * estimate.standardError, "seed \(seed)")
  }

  @Test func monteCarloStopsWhenAsked() {
    var generator = Xoshiro256StarStar(seed: 0)
    #expect(throws: Interrupted.self) {
      try GaussianKL.monteCarlo(
        .standard(dimension: 1), from: .standard(dimension: 1), count: 1_000_000, using: &generator,
        shouldStop: { true })
    }
  }
}
