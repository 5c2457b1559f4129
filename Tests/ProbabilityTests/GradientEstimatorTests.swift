import RealModule
import Testing

@testable import Probability

struct GradientEstimatorTests {
  typealias Problem = GradientProblem

  func problem(_ text: String, mu: Double, sigma: Double, k: Double = 1, dimension: Int = 1, closedForm: Bool = true)
    throws -> Problem
  {
    let expression = try Expression(parsing: text)
    let f = try CompiledExpression(expression, parameters: ["k": k])
    return Problem(
      f: f, polynomial: closedForm ? expression.polynomial(parameters: ["k": k]) : nil, mu: mu, sigma: sigma,
      dimension: dimension)
  }

  /// The closed forms of the lesson, for f = z^2 and d/dmu:
  /// pathwise variance 4 sigma^2; score-function (mu^4 + 14 mu^2 sigma^2 + 15 sigma^4) / sigma^2.
  @Test(arguments: [(0.0, 1.0), (1.0, 2.0), (-2.0, 0.5)])
  func squareHasTheTextbookVariances(mu: Double, sigma: Double) throws {
    let problem = try problem("z^2", mu: mu, sigma: sigma)
    let exact = try GradientExpectations(problem)
    #expect(exact.method == .closedForm)
    let score = (Double.pow(mu, 4) + 14 * mu * mu * sigma * sigma + 15 * Double.pow(sigma, 4)) / (sigma * sigma)
    for (estimate, truth) in [
      (exact.gradient(.mu, sigma: sigma), 2 * mu), (exact.gradient(.sigma, sigma: sigma), 2 * sigma),
      (exact.variance(.pathwise, .mu, baseline: .none, problem: problem), 4 * sigma * sigma),
      (exact.variance(.score, .mu, baseline: .none, problem: problem), score),
    ] {
      #expect(estimate.value.isApproximatelyEqual(to: truth, absoluteTolerance: 1e-13, relativeTolerance: 1e-12))
      // The error bound is honest, and small.
      #expect(abs(estimate.value - truth) <= estimate.error + 1e-300, "\(estimate) vs \(truth)")
      #expect(estimate.error <= 1e-12 * max(1, abs(truth)))
    }
  }

  /// Quadrature, on the same problems with the closed form switched off, agrees with
  /// the closed forms to 1e-10 for every expectation used.
  @Test(arguments: [("(z - k)^2", 1.0, 1.0, 3.0), ("z^3 - 2*z", 0.5, 1.5, 0.0), ("(z - k)^4 / 10", -1.0, 0.7, 2.0)])
  func quadratureAgreesWithClosedForms(text: String, mu: Double, sigma: Double, k: Double) throws {
    for dimension in [1, 4] {
      let closed = try problem(text, mu: mu, sigma: sigma, k: k, dimension: dimension)
      let numeric = try problem(text, mu: mu, sigma: sigma, k: k, dimension: dimension, closedForm: false)
      let (a, b) = (try GradientExpectations(closed), try GradientExpectations(numeric))
      #expect(b.method == .quadrature)
      for parameter in Problem.Parameter.allCases {
        let (g, h) = (a.gradient(parameter, sigma: sigma), b.gradient(parameter, sigma: sigma))
        #expect(h.value.isApproximatelyEqual(to: g.value, absoluteTolerance: 1e-10, relativeTolerance: 1e-10))
        #expect(abs(h.value - g.value) <= g.error + h.error, "error bounds of d/d\(parameter)")
        for estimator in Problem.Estimator.allCases {
          for baseline in Problem.Baseline.allCases {
            let (x, y) = (
              a.variance(estimator, parameter, baseline: baseline, problem: closed),
              b.variance(estimator, parameter, baseline: baseline, problem: numeric)
            )
            let label = "\(text) \(estimator) \(parameter) \(baseline) D=\(dimension)"
            #expect(
              y.value.isApproximatelyEqual(to: x.value, absoluteTolerance: 1e-10, relativeTolerance: 1e-10), "\(label)")
            #expect(abs(y.value - x.value) <= x.error + y.error, "\(label): error bounds \(x) and \(y)")
          }
        }
      }
    }
  }

  /// Every estimator's mean agrees with the exact gradient within 5 standard
  /// errors, and its sampled variance with the exact variance within 10%, on
  /// the cost families of Mohamed et al. 2020 and on functions with kinks and
  /// saturation (seeded, so these cannot flake).
  @Test(arguments: [
    ("(z - k)^2", 1.0, 1.0, 3.0, 1), ("exp(-k * z^2)", 1.0, 1.0, 1.0, 1), ("cos(k * z)", 1.0, 1.0, 2.0, 1),
    ("abs(z)", 0.3, 1.0, 0.0, 1), ("sigmoid(3 * z)", -0.5, 0.8, 0.0, 1), ("(z - k)^2", 0.5, 1.0, 1.0, 5),
  ])
  func samplingAgreesWithTheExactValues(text: String, mu: Double, sigma: Double, k: Double, dimension: Int) throws {
    for baseline in [Problem.Baseline.mean, .optimal] {
      let problem = try problem(text, mu: mu, sigma: sigma, k: k, dimension: dimension)
      let exact = try GradientExpectations(problem)
      var generator = Xoshiro256StarStar(seed: 42)
      let sampled = try problem.sample(count: 300_000, baseline: baseline, using: &generator)
      for estimator in Problem.Estimator.allCases {
        for parameter in [Problem.Parameter.mu, .sigma] {
          let moments = try #require(sampled[estimator]?[parameter]).moments
          let gradient = exact.gradient(parameter, sigma: sigma).value
          let variance = exact.variance(estimator, parameter, baseline: baseline, problem: problem).value
          let label = "\(text) \(estimator) \(parameter) \(baseline) D=\(dimension)"
          #expect(abs(moments.mean - gradient) <= 5 * moments.standardError + 1e-12, "\(label): mean")
          #expect(
            moments.variance.isApproximatelyEqual(to: variance, absoluteTolerance: 1e-9, relativeTolerance: 0.1),
            "\(label): variance \(moments.variance) vs \(variance)")
        }
      }
    }
  }

  /// The point of the tool: with more dimensions the score function's variance
  /// grows while the pathwise estimator's stays put.
  @Test func scoreFunctionVarianceGrowsWithDimension() throws {
    let variances = try [1, 10, 100].map { dimension -> (Double, Double) in
      let problem = try problem("(z - k)^2", mu: 1, sigma: 1, k: 2, dimension: dimension)
      let exact = try GradientExpectations(problem)
      return (
        exact.variance(.pathwise, .mu, baseline: .none, problem: problem).value,
        exact.variance(.score, .mu, baseline: .none, problem: problem).value
      )
    }
    #expect(variances[0].0 == variances[2].0)
    #expect(variances[1].1 > 5 * variances[0].1)
    #expect(variances[2].1 > 5 * variances[1].1)
  }

  @Test func optimalBaselineNeverLosesToTheMeanBaseline() throws {
    for text in ["(z - 2)^2", "exp(z)", "cos(3 * z)"] {
      let problem = try problem(text, mu: 0.5, sigma: 1.2, dimension: 3, closedForm: false)
      let exact = try GradientExpectations(problem)
      for parameter in [Problem.Parameter.mu, .sigma] {
        let optimal = exact.variance(.scoreWithBaseline, parameter, baseline: .optimal, problem: problem).value
        #expect(
          optimal
            <= exact.variance(.scoreWithBaseline, parameter, baseline: .mean, problem: problem).value * (1 + 1e-12))
        #expect(optimal <= exact.variance(.score, parameter, baseline: .none, problem: problem).value * (1 + 1e-12))
      }
    }
  }

  @Test func notFiniteValuesAreReportedNotAveraged() throws {
    let problem = try problem("log(z)", mu: 0.5, sigma: 1, closedForm: false)
    var generator = Xoshiro256StarStar(seed: 1)
    #expect {
      try problem.sample(count: 1000, baseline: .mean, using: &generator)
    } throws: { error in
      guard case .notFinite(let z) = error as? GradientSamplingError else { return false }
      return z <= 0
    }
  }

  @Test func samplingStopsWhenAsked() throws {
    let problem = try problem("z^2", mu: 0, sigma: 1)
    var generator = Xoshiro256StarStar(seed: 1)
    #expect(throws: GradientSamplingError.interrupted) {
      try problem.sample(count: 1_000_000, baseline: .mean, using: &generator, shouldStop: { true })
    }
  }
}
