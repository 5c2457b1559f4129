import RealModule
import Testing

@testable import Probability

struct StatisticsTests {
  @Test func mergedMomentsEqualTheTwoPassMomentsOfTheWhole() {
    var generator = Xoshiro256StarStar(seed: 5)
    let values = (0..<10_001).map { _ in 1e6 + NormalSampler.next(using: &generator) }
    var merged = RunningMoments()
    for chunk in stride(from: 0, to: values.count, by: 777) {
      merged.merge(RunningMoments(values[chunk..<min(chunk + 777, values.count)]))
    }
    let whole = RunningMoments(values)
    #expect(merged.count == whole.count)
    #expect(merged.mean.isApproximatelyEqual(to: whole.mean, relativeTolerance: 1e-14))
    // An offset of 1e6 would wreck the sum-of-squares formula; the merge keeps ~10 digits.
    #expect(merged.variance.isApproximatelyEqual(to: whole.variance, relativeTolerance: 1e-9))
  }

  @Test func momentsOfKnownValues() {
    let moments = RunningMoments([2, 4, 4, 4, 5, 5, 7, 9])
    #expect(moments.mean == 5)
    #expect(moments.variance.isApproximatelyEqual(to: 32.0 / 7, relativeTolerance: 1e-15))
    #expect(moments.standardError.isApproximatelyEqual(to: (32.0 / 7 / 8).squareRoot(), relativeTolerance: 1e-15))
    #expect(RunningMoments([3]).variance == 0)
    #expect(moments.populationVariance == 4)
  }

  /// Columns of a row-major matrix: [[1, 10], [2, 20], [3, 30]] and a partial row left out.
  @Test func columnMoments() {
    let columns = RunningMoments.columns(of: [1, 10, 2, 20, 3, 30, 4] as [Float], width: 2)
    #expect(columns.map(\.mean) == [2, 20] && columns.map(\.count) == [3, 3])
    #expect(columns[1].populationVariance.isApproximatelyEqual(to: 200.0 / 3, relativeTolerance: 1e-15))
    #expect(RunningMoments.columns(of: [1.0], width: 0).isEmpty)
    #expect(RunningMoments.columns(of: [1.0], width: 2) == [RunningMoments(), RunningMoments()])
    // Row by row, each column's sums are made in the same order as from the column alone: equal to the last bit.
    var generator = Xoshiro256StarStar(seed: 7)
    let values = (0..<7003).map { _ in Float(generator.nextUniform() * 100 - 30) }
    for (column, moments) in RunningMoments.columns(of: values, width: 7).enumerated() {
      #expect(moments == RunningMoments(stride(from: column, to: 7000, by: 7).map { Double(values[$0]) }))
    }
  }

  @Test func histogramCountsEveryValueOnce() {
    var histogram = Histogram(lower: -1, upper: 1, binCount: 4)
    for value in [-2, -1, -0.5, -0.49, 0, 0.99, 1, 3, .nan] { histogram.add(value) }
    #expect(histogram.counts == [1, 2, 1, 1])
    #expect(histogram.below == 1)
    #expect(histogram.above == 3)
    #expect(histogram.total == 9)
    #expect(histogram.edges(of: 1) == (-0.5, 0))
  }

  /// Known values of the standard normal CDF (Abramowitz and Stegun, table 26.1).
  @Test(arguments: [
    (0.0, 0.5), (1.96, 0.975_002_104_851_780), (-1.0, 0.158_655_253_931_457), (-8.0, 6.220_960_574_271_78e-16),
  ])
  func normalCumulativeProbability(x: Double, expected: Double) {
    let standard = NormalDistribution(mean: 0, standardDeviation: 1)
    #expect(standard.cumulativeProbability(x).isApproximatelyEqual(to: expected, relativeTolerance: 1e-12))
  }

  /// Known quantiles of the standard normal, to 1e-13; then the round trip
  /// Phi(Phi^-1(p)) = p across 30 decades of both tails.
  @Test(arguments: [
    (0.5, 0.0), (0.975, 1.959_963_984_540_054), (0.158_655_253_931_457, -1.0), (0.025, -1.959_963_984_540_054),
    (0.001, -3.090_232_306_167_814), (1e-10, -6.361_340_902_404_056),
  ])
  func normalQuantile(p: Double, expected: Double) {
    let standard = NormalDistribution(mean: 0, standardDeviation: 1)
    #expect(abs(standard.quantile(p) - expected) <= 1e-13 * max(1, abs(expected)))
  }

  @Test func normalQuantileInvertsTheCDF() {
    let normal = NormalDistribution(mean: 1.5, standardDeviation: 2)
    for exponent in stride(from: -30.0, through: -0.31, by: 0.37) {
      let p = Double.pow(10, exponent)
      let lower = normal.quantile(p)
      #expect(normal.cumulativeProbability(lower).isApproximatelyEqual(to: p, relativeTolerance: 1e-13), "p = \(p)")
      // The upper tail through the survival function, which keeps 1 - p's digits.
      let upper = normal.quantile(1 - p)
      let survival = 0.5 * Double.erfc((upper - 1.5) / (2 * 2.0.squareRoot()))
      #expect(survival.isApproximatelyEqual(to: 1 - (1 - p), relativeTolerance: 1e-12), "1 - p = \(1 - p)")
    }
    #expect(normal.quantile(0) == -.infinity && normal.quantile(1) == .infinity && normal.quantile(1.5).isNaN)
  }

  @Test func intervalProbabilitiesSumToOne() {
    let normal = NormalDistribution(mean: 2, standardDeviation: 0.5)
    let edges = stride(from: -10.0, through: 14.0, by: 0.25).map { $0 }
    let total = zip(edges, edges.dropFirst()).reduce(0.0) { $0 + normal.probability(from: $1.0, to: $1.1) }
    #expect(total.isApproximatelyEqual(to: 1, relativeTolerance: 1e-14))
    #expect(
      normal.probability(from: 3, to: 3.5).isApproximatelyEqual(to: 0.021_400_233_916_549_1, relativeTolerance: 1e-10))
  }

  /// z = mu + sigma * eps has mean mu and standard deviation sigma, per dimension.
  @Test func reparameterisedSamplesHaveTheTargetMoments() throws {
    var generator = Xoshiro256StarStar(seed: 21)
    let summary = try Reparameterisation.sample(
      mean: [2, -1], standardDeviation: [0.5, 3], count: 100_000, keep: 3, binCount: 16, using: &generator)
    #expect(summary.firstDraws.count == 3)
    for draw in summary.firstDraws {
      #expect(draw.z[0] == 2 + 0.5 * draw.epsilon[0])
      #expect(draw.z[1] == -1 + 3 * draw.epsilon[1])
    }
    for (d, (mu, sigma)) in [(2.0, 0.5), (-1.0, 3.0)].enumerated() {
      let moments = summary.moments[d]
      #expect(moments.count == 100_000)
      #expect(abs(moments.mean - mu) < 5 * sigma / 100_000.0.squareRoot())
      // The sample variance's standard error is about sigma^2 sqrt(2 / n).
      #expect(abs(moments.variance - sigma * sigma) < 5 * sigma * sigma * (2 / 100_000.0).squareRoot())
      #expect(summary.histograms[d].total == 100_000)
    }
  }
}
