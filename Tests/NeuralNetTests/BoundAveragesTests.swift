import Foundation
import Probability
import Testing

@testable import NeuralNet

/// The average of several examples' bounds, against the pooled moments of
/// their draws, a sum of variances taken in another order, and the spread of
/// the average over many seeded repeats.
struct BoundAveragesTests {
  /// Bounds whose estimates are the moments of `values` (one array of
  /// replicates per k, the first for the ELBO) and whose log p(x) is a quadrature's.
  static func bounds(
    _ values: [[Double]], ks: [Int], exact: Double?, logMarginal: Double, error: Double
  ) -> MarginalLikelihood.Bounds {
    MarginalLikelihood.Bounds(
      elbo: RunningMoments(values[0]),
      expectedELBO: exact.map { MarginalLikelihood.GridEstimate(value: $0, error: 0, region: [], step: 0, points: 0) },
      importanceWeighted: zip(ks, values.dropFirst()).map { ($0, RunningMoments($1)) },
      logMarginal: .quadrature(
        MarginalLikelihood.GridEstimate(value: logMarginal, error: error, region: [-1...1], step: 0.1, points: 21)))
  }

  /// n examples' replicates, drawn around their own means with their own spreads.
  static func replicates(examples: Int, count: Int, using generator: inout Xoshiro256StarStar) -> [[Double]] {
    (0..<examples).map { i in
      let (mean, spread) = (-100 - 3 * Double(i), 0.5 + Double(i))
      return (0..<count).map { _ in mean + spread * NormalSampler.next(using: &generator) }
    }
  }

  /// With as many replicates per example, the mean of the means is the mean of
  /// every replicate pooled, and the standard error is sqrt(sum_i s_i^2 / m) / n.
  @Test func meansAndStandardErrorsOfIndependentEstimates() throws {
    var generator = Xoshiro256StarStar(seed: 4)
    let (n, m) = (7, 30)
    let elbo = Self.replicates(examples: n, count: m, using: &generator)
    let iwae = Self.replicates(examples: n, count: m, using: &generator)
    let bounds = (0..<n).map { i in
      Self.bounds([elbo[i], iwae[i]], ks: [10], exact: nil, logMarginal: -90 - Double(i), error: 1e-5 * Double(i + 1))
    }
    let average = MarginalLikelihood.AveragedBounds(bounds)
    let iwaeEstimate = try #require(average.importanceWeighted.first).estimate
    for (estimate, values) in [(average.elbo, elbo), (iwaeEstimate, iwae)] {
      let pooled = RunningMoments(values.flatMap { $0 })
      #expect(abs(estimate.value - pooled.mean) <= 1e-14 * abs(pooled.mean))
      // Var of the mean: sum_i Var(X_i) / n^2, each Var(X_i) = s_i^2 / m.
      let variances = values.map { RunningMoments($0).variance / Double(m) }
      let reference = (variances.reversed().reduce(0, +) / Double(n * n)).squareRoot()
      #expect(abs(estimate.standardError - reference) <= 1e-14 * reference)
    }
    #expect(average.importanceWeighted.map(\.k) == [10])
    #expect(abs(average.logMarginal - (-93)) <= 1e-13)
    #expect(abs(average.logMarginalError - 4e-5) <= 1e-18)
    // No exact ELBO: the gaps are the one-sample ELBOs' less log p(x).
    let gaps = (0..<n).map { RunningMoments(elbo[$0]).mean - (-90 - Double($0)) }
    #expect(abs(average.gap - gaps.reduce(0, +) / Double(n)) <= 1e-13)
    #expect(average.expectedELBO == nil)
  }

  /// The average's standard error is its spread: over 2000 seeded repeats of
  /// 5 examples of 20 replicates, the standard deviation of the averaged value
  /// is within 10% (about six of its own standard errors) of the mean reported
  /// standard error.
  @Test func theStandardErrorIsTheSpreadOfTheAverage() {
    var generator = Xoshiro256StarStar(seed: 12)
    var averages = RunningMoments()
    var reported = RunningMoments()
    for _ in 0..<2000 {
      let values = Self.replicates(examples: 5, count: 20, using: &generator)
      let average = MarginalLikelihood.AveragedBounds(
        values.map { Self.bounds([$0], ks: [], exact: nil, logMarginal: 0, error: 0) })
      averages.merge(RunningMoments([average.elbo.value]))
      reported.merge(RunningMoments([average.elbo.standardError]))
    }
    #expect(abs(averages.standardDeviation / reported.mean - 1) < 0.1)
  }

  /// Exact ELBOs average only where every example has one; the gap follows them.
  @Test func exactELBOsAndGapsAverageWhereEveryExampleHasOne() {
    let replicates = [[-10.0, -12], [-20.0, -22]]
    let both = [
      Self.bounds([replicates[0], [-9, -9.5], [-8.5]], ks: [5, 50], exact: -10.5, logMarginal: -8, error: 0),
      Self.bounds([replicates[1], [-19, -19.5], [-18.5]], ks: [5, 50], exact: -20.5, logMarginal: -18, error: 0),
    ]
    let average = MarginalLikelihood.AveragedBounds(both)
    #expect(average.expectedELBO == -15.5)
    #expect(average.gap == -2.5)
    #expect(average.importanceWeighted.map(\.k) == [5, 50])
    #expect(average.importanceWeighted.map(\.estimate.value) == [-14.25, -13.5])
    // One replicate has no spread: a standard error of 0.
    #expect(average.importanceWeighted[1].estimate.standardError == 0)
    let oneWithout = MarginalLikelihood.AveragedBounds([
      both[0], Self.bounds([replicates[1], [-19], [-18.5]], ks: [5, 50], exact: nil, logMarginal: -18, error: 0),
    ])
    #expect(oneWithout.expectedELBO == nil)
    // The second example's gap is from its one-sample ELBO, -21: (-2.5 + -3) / 2.
    #expect(oneWithout.gap == -2.75)
  }
}
