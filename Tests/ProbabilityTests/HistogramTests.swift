import RealModule
import Testing

@testable import Probability

/// A histogram's expected counts under a normal, against Simpson's rule on the
/// density, and the standard error of a sample mean against its definition
/// and against the spread of many seeded sample means.
struct HistogramTests {
  /// n times the integral of the density over [a, b], by composite Simpson with
  /// `intervals` (even) subintervals: a different road from the CDF differences.
  static func simpson(_ density: NormalDistribution, from a: Double, to b: Double, intervals: Int = 2000) -> Double {
    let h = (b - a) / Double(intervals)
    var sum = density.density(a) + density.density(b)
    for i in 1..<intervals { sum += Double(i % 2 == 1 ? 4 : 2) * density.density(a + Double(i) * h) }
    return sum * h / 3
  }

  /// Histograms of 1000 values over mu +- 4 sigma, as `sample` draws them, and
  /// over the tails from 3 to 9 sigma on either side, where each bin's mass is
  /// a difference of two small numbers.
  @Test(arguments: [
    (0.0, 1.0, -4.0, 4.0, 16), (2.0, 0.5, 0.0, 4.0, 8), (0.0, 1.0, 3.0, 9.0, 6), (0.0, 1.0, -9.0, -3.0, 6),
  ])
  func expectedCountsAreTheDensitysMassPerBin(mu: Double, sigma: Double, lower: Double, upper: Double, bins: Int) {
    var histogram = Histogram(lower: lower, upper: upper, binCount: bins)
    for _ in 0..<1000 { histogram.add(mu) }
    let density = NormalDistribution(mean: mu, standardDeviation: sigma)
    let expected = histogram.expectedCounts(under: density)
    #expect(expected.count == bins)
    for bin in 0..<bins {
      let (a, b) = histogram.edges(of: bin)
      let reference = 1000 * Self.simpson(density, from: a, to: b)
      #expect(abs(expected[bin] - reference) <= 1e-9 * reference, "bin \(bin): \(expected[bin]) against \(reference)")
    }
  }

  /// The counts sum to n less the expected counts of the two tails,
  /// n (Phi((lower - mu) / sigma) + Phi(-(upper - mu) / sigma)), from erfc.
  @Test(arguments: [(0.0, 1.0, 16), (-3.0, 2.5, 7), (5.0, 0.1, 200)])
  func expectedCountsSumToTheDrawsWithinTheRange(mu: Double, sigma: Double, bins: Int) {
    var histogram = Histogram(lower: mu - 4 * sigma, upper: mu + 4 * sigma, binCount: bins)
    for value in [mu - 5 * sigma, mu, mu + 0.5 * sigma, mu + 9 * sigma] { histogram.add(value) }
    let n = Double(histogram.total)
    let tails = 0.5 * Double.erfc(4 / 2.0.squareRoot()) * 2
    let inside = histogram.expectedCounts(under: NormalDistribution(mean: mu, standardDeviation: sigma))
      .reduce(0, +)
    #expect(inside.isApproximatelyEqual(to: n * (1 - tails), relativeTolerance: 1e-13))
  }

  @Test func anEmptyHistogramExpectsNothing() {
    let histogram = Histogram(lower: -1, upper: 1, binCount: 4)
    #expect(histogram.expectedCounts(under: NormalDistribution(mean: 0, standardDeviation: 1)) == [0, 0, 0, 0])
  }

  /// sigma / sqrt(n), and the sample mean's distance from mu in those units.
  @Test(arguments: [(1.0, 1, 1.0), (2.0, 100, 0.2), (0.5, 1_000_000, 0.0005), (3.0, 3, 3.0.squareRoot())])
  func standardErrorOfTheMean(sigma: Double, draws: Int, expected: Double) {
    let normal = NormalDistribution(mean: 7, standardDeviation: sigma)
    #expect(normal.standardErrorOfMean(draws: draws).isApproximatelyEqual(to: expected, relativeTolerance: 1e-15))
    // 7 + 2 se carries a rounding of up to half of 7's ulp, 4.4e-16, which is 1e-12 of 2 se = 0.001.
    #expect(
      normal.standardErrors(ofSampleMean: 7 + 2 * expected, draws: draws).isApproximatelyEqual(
        to: 2, relativeTolerance: 1e-11))
  }

  /// The means of 4000 seeded samples of 25 draws lie N(0, 1) standard errors
  /// from mu: their mean within 5 standard errors of 0 and their variance
  /// within 5 standard errors (sqrt(2 / 4000)) of 1.
  @Test func sampleMeansSpreadByOneStandardError() {
    let normal = NormalDistribution(mean: -1.5, standardDeviation: 3)
    var generator = Xoshiro256StarStar(seed: 9)
    let draws = 25
    let scores = (0..<4000).map { _ in
      let mean = (0..<draws).map { _ in -1.5 + 3 * NormalSampler.next(using: &generator) }.reduce(0, +) / 25
      return normal.standardErrors(ofSampleMean: mean, draws: draws)
    }
    let moments = RunningMoments(scores)
    #expect(abs(moments.mean) < 5 / 4000.0.squareRoot())
    #expect(abs(moments.variance - 1) < 5 * (2 / 4000.0).squareRoot())
  }
}
