import RealModule
import Testing

@testable import Probability

/// Sweeps against gradients known in closed form along the sweep, against
/// per-point calls of the expectations and the sampler, and for
/// reproducibility from a seed.
struct GradientSweepTests {
  static func sweep(
    _ text: String, parameters: [String: Double] = [:], mu: Double = 1, sigma: Double = 1, dimension: Int = 1,
    over setting: GradientSweep.Setting, wrt parameter: GradientProblem.Parameter = .mu, sampledDraws: Int? = nil
  ) throws -> GradientSweep {
    GradientSweep(
      expression: try Expression(parsing: text), parameters: parameters, mu: mu, sigma: sigma, dimension: dimension,
      baseline: .mean, setting: setting, parameter: parameter, sampledDraws: sampledDraws)
  }

  /// f = (z - k)^2, a closed form: d/dmu E[f] = 2 (mu - k) and d/dsigma E[f] =
  /// 2 sigma; the pathwise draws 2 (z - k) and 2 (z - k) x have variances
  /// 4 sigma^2 and 4 (mu - k)^2 + 8 sigma^2 (x ~ N(0, 1), E[x^3] = 0).
  @Test func aQuadraticAlongMuSigmaAndItsParameter() throws {
    var generator = Xoshiro256StarStar(seed: 1)
    let values = GradientSweep.evenlySpaced(from: -2, to: 2, count: 9)
    let overMu = try Self.sweep("(z-k)^2", parameters: ["k": 3], sigma: 0.5, over: .mu)
    for point in try overMu.points(at: values, using: &generator) {
      #expect(abs(point.gradient.value - 2 * (point.x - 3)) <= 1e-13 * (1 + abs(point.x - 3)), "mu = \(point.x)")
      #expect(abs((point.exactVariances[.pathwise]?.value ?? .nan) - 1) <= 1e-13, "mu = \(point.x)")
    }
    let overK = try Self.sweep("(z-k)^2", parameters: [:], mu: 0.5, sigma: 2, over: .parameter("k"))
    for point in try overK.points(at: values, using: &generator) {
      #expect(abs(point.gradient.value - 2 * (0.5 - point.x)) <= 1e-13 * (1 + abs(point.x)), "k = \(point.x)")
    }
    let overSigma = try Self.sweep("(z-k)^2", parameters: ["k": 3], mu: 1, over: .sigma, wrt: .sigma)
    for point in try overSigma.points(at: [0.25, 1, 4], using: &generator) {
      let sigma = point.x
      #expect(abs(point.gradient.value - 2 * sigma) <= 1e-13 * sigma, "sigma = \(sigma)")
      let pathwise = try #require(point.exactVariances[.pathwise]).value
      #expect(pathwise.isApproximatelyEqual(to: 16 + 8 * sigma * sigma, relativeTolerance: 1e-13), "sigma = \(sigma)")
    }
  }

  /// f = cos(k z), by quadrature: E[cos(k z)] = cos(k mu) exp(-k^2 sigma^2 / 2)
  /// (the normal's characteristic function), so d/dmu = -k sin(k mu) exp(-k^2 sigma^2 / 2),
  /// within each point's error bound.
  @Test func aCosineAlongItsFrequency() throws {
    var generator = Xoshiro256StarStar(seed: 2)
    let sweep = try Self.sweep("cos(k*z)", mu: 0.7, sigma: 1.2, over: .parameter("k"))
    for point in try sweep.points(at: GradientSweep.evenlySpaced(from: 0.5, to: 5, count: 7), using: &generator) {
      let k = point.x
      let truth = -k * Double.sin(k * 0.7) * Double.exp(-k * k * 1.44 / 2)
      #expect(point.stop == .converged)
      #expect(abs(point.gradient.value - truth) <= point.gradient.error + 1e-15, "k = \(k)")
      #expect(point.gradient.error < 1e-9, "k = \(k)")
    }
  }

  /// Each point equals the expectations computed for its own problem: over n
  /// the per-draw variances divided by n, over dim the problem in that many dimensions.
  @Test(arguments: [GradientSweep.Setting.draws, .dimension])
  func pointsMatchTheirOwnProblems(setting: GradientSweep.Setting) throws {
    var generator = Xoshiro256StarStar(seed: 3)
    let sweep = try Self.sweep("sin(z) + z^2", mu: 0.3, sigma: 0.8, over: setting)
    let values = GradientSweep.logSpacedWholeNumbers(from: 1, to: 1000, count: 4)
    #expect(values == [1, 10, 100, 1000])
    for point in try sweep.points(at: values, using: &generator) {
      let dimension = setting == .dimension ? Int(point.x) : 1
      let problem = try GradientProblem(
        try Expression(parsing: "sin(z) + z^2"), parameters: [:], mu: 0.3, sigma: 0.8, dimension: dimension)
      let exact = try GradientExpectations(problem)
      let divisor = setting == .draws ? point.x : 1
      #expect(point.gradient == exact.gradient(.mu, sigma: 0.8))
      #expect(point.exactVariances.count == 4)
      for estimator in GradientProblem.Estimator.allCases {
        #expect(
          point.exactVariances[estimator] == exact.variance(estimator, .mu, baseline: .mean, problem: problem)
            / divisor,
          "\(estimator) at \(point.x)")
      }
    }
  }

  /// Sampled variances: the same seed gives the same sweep; it is the per-point
  /// sampler run point after point on one generator; and the pathwise variance
  /// is the exact one within 6 of its standard errors (sqrt(2 / n) relative for
  /// the near-normal draws 2 (z - 3)).
  @Test func sampledSweepsAreReproducibleAndMatchTheSampler() throws {
    let sweep = try Self.sweep("(z-3)^2", over: .mu, sampledDraws: 20_000)
    let values = [-1.0, 0, 2]
    var first = Xoshiro256StarStar(seed: 42)
    var second = Xoshiro256StarStar(seed: 42)
    let points = try sweep.points(at: values, using: &first)
    let again = try sweep.points(at: values, using: &second)
    #expect(points.map(\.sampledVariances) == again.map(\.sampledVariances))
    var replay = Xoshiro256StarStar(seed: 42)
    for point in points {
      let problem = try sweep.problem(at: point.x)
      let draws = try problem.sample(count: 20_000, baseline: .mean, using: &replay)
      for estimator in sweep.estimators {
        #expect(point.sampledVariances[estimator]?.variance == draws[estimator]?[.mu]?.moments.variance)
      }
      let pathwise = try #require(point.sampledVariances[.pathwise]).variance
      #expect(abs(pathwise - 4) <= 6 * 4 * (2 / 20_000.0).squareRoot(), "mu = \(point.x)")
    }
    // All three generators are left in the same state.
    let next = (replay.next(), first.next(), second.next())
    #expect(next.0 == next.1 && next.1 == next.2)
    // Over n, each point draws n and reports the variance of their mean.
    let overN = try Self.sweep("(z-3)^2", over: .draws, sampledDraws: 10)
    let size = try #require(overN.sampleSize(at: 5000))
    #expect(size.draws == 5000 && size.dimension == 1)
    var generator = Xoshiro256StarStar(seed: 5)
    let point = try overN.point(at: 5000, using: &generator)
    let pathwise = try #require(point.sampledVariances[.pathwise]).variance
    #expect(abs(pathwise * 5000 - 4) <= 6 * 4 * (2 / 5000.0).squareRoot())
  }

  /// E[exp(k z^2)] exists for k < 1 / (2 sigma^2) only: the sweep stops at the first k beyond.
  @Test func aSweepStopsWhereTheExpectationEnds() throws {
    var generator = Xoshiro256StarStar(seed: 6)
    let sweep = try Self.sweep("exp(k*z^2)", mu: 0, sigma: 1, over: .parameter("k"))
    do {
      _ = try sweep.points(at: [0.1, 0.3, 0.6, 0.9], using: &generator)
      Issue.record("no failure")
    } catch {
      guard case .noExpectation(let x, let problem, _) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(x == 0.6 && problem.mu == 0 && problem.sigma == 1)
    }
  }

  @Test func aParameterWithoutAValueAndCtrlCAreSaid() throws {
    var generator = Xoshiro256StarStar(seed: 7)
    let missing = try Self.sweep("(z-k)^2 + a", over: .parameter("k"))
    #expect(throws: GradientSweep.Failure.self) { try missing.point(at: 1, using: &generator) }
    do {
      _ = try missing.point(at: 1, using: &generator)
    } catch {
      guard case .expression(let expressionError) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(expressionError.message.hasPrefix("'a' has no value"))
    }
    let stopped = try Self.sweep("z^2", over: .mu)
    do {
      _ = try stopped.points(at: [0, 1], using: &generator, shouldStop: { true })
      Issue.record("not stopped")
    } catch {
      guard case .interrupted = error else {
        Issue.record("\(error)")
        return
      }
    }
  }

  /// Even spacing is exact at both ends and finite between any finite ends;
  /// log spacing rounds to whole numbers and keeps each once.
  @Test func sweptValues() {
    let wide = GradientSweep.evenlySpaced(from: -1e308, to: 1e308, count: 5)
    #expect(wide.first == -1e308 && wide.last == 1e308 && wide[2] == 0)
    #expect(wide.allSatisfy(\.isFinite) && zip(wide, wide.dropFirst()).allSatisfy { $0 < $1 })
    let third = GradientSweep.evenlySpaced(from: 0, to: 1, count: 4)
    #expect(third.first == 0 && third.last == 1 && abs(third[1] - 1.0 / 3) <= 1e-16)
    #expect(GradientSweep.logSpacedWholeNumbers(from: 10, to: 100_000, count: 5) == [10, 100, 1000, 10000, 100_000])
    #expect(GradientSweep.logSpacedWholeNumbers(from: 1, to: 3, count: 13) == [1, 2, 3])
  }
}
