import RealModule

extension GradientProblem {
  /// The problem for f = `expression` with its `parameters` set: compiled, and
  /// as a polynomial where it is one (then every expectation has a closed form).
  public init(
    _ expression: Expression, parameters: [String: Double], mu: Double, sigma: Double, dimension: Int = 1
  ) throws(ExpressionError) {
    self.init(
      f: try CompiledExpression(expression, parameters: parameters),
      polynomial: expression.polynomial(parameters: parameters), mu: mu, sigma: sigma, dimension: dimension)
  }
}

/// One setting of a gradient problem varied over a range: at each value the
/// exact gradient and each estimator's exact per-draw variance
/// (`GradientExpectations`), and, when asked, the variances of draws
/// (`GradientProblem.sample`) from one generator, point after point, so that a
/// seed reproduces the whole sweep. Over the number of draws, the variances are
/// those of the mean of n draws, variance / n, which is what shrinks with n.
public struct GradientSweep: Sendable {
  /// The setting varied.
  public enum Setting: Hashable, Sendable {
    case mu, sigma
    /// z's dimension D (whole numbers).
    case dimension
    /// The number of draws n averaged (whole numbers).
    case draws
    /// A parameter of f.
    case parameter(String)
  }

  /// The problem away from the swept setting.
  public var expression: Expression
  public var parameters: [String: Double]
  public var mu: Double
  public var sigma: Double
  public var dimension: Int
  public var baseline: GradientProblem.Baseline
  public var setting: Setting
  /// The derivative whose estimators are compared.
  public var parameter: GradientProblem.Parameter
  /// Draws per point for sampled variances (nil: exact values only); over
  /// `.draws`, each point draws its own n instead.
  public var sampledDraws: Int?

  public init(
    expression: Expression, parameters: [String: Double], mu: Double, sigma: Double, dimension: Int,
    baseline: GradientProblem.Baseline, setting: Setting, parameter: GradientProblem.Parameter, sampledDraws: Int?
  ) {
    self.expression = expression
    self.parameters = parameters
    self.mu = mu
    self.sigma = sigma
    self.dimension = dimension
    self.baseline = baseline
    self.setting = setting
    self.parameter = parameter
    self.sampledDraws = sampledDraws
  }

  /// A variance from draws, and how far the rounding of f's values could move it.
  public struct SampledVariance: Sendable, Equatable {
    public var variance: Double
    public var roundingShift: Double
  }

  /// The values at one setting.
  public struct Point: Sendable {
    public var x: Double
    public var gradient: Estimate
    public var exactVariances: [GradientProblem.Estimator: Estimate]
    public var sampledVariances: [GradientProblem.Estimator: SampledVariance]
    /// Why the quadrature stopped (`converged` for closed forms).
    public var stop: GaussKronrod.Stop
  }

  public enum Failure: Error, Sendable {
    case interrupted
    /// f does not compile with a parameter's swept value.
    case expression(ExpressionError)
    /// E[f(z)] does not exist at x, so there is no gradient to estimate.
    case noExpectation(x: Double, problem: GradientProblem, Estimate.Failure)
    /// The draws at a point reached a value of f that is not finite, or Ctrl-C.
    case sampling(GradientSamplingError)
  }

  /// The estimators compared: score+baseline only with a baseline.
  public var estimators: [GradientProblem.Estimator] {
    GradientProblem.Estimator.allCases.filter { $0 != .scoreWithBaseline || baseline != .none }
  }

  /// The problem at the setting's value x.
  public func problem(at x: Double) throws(ExpressionError) -> GradientProblem {
    var (mu, sigma, parameters, dimension) = (self.mu, self.sigma, self.parameters, self.dimension)
    switch setting {
    case .mu: mu = x
    case .sigma: sigma = x
    case .dimension: dimension = Int(x)
    case .draws: break
    case .parameter(let name): parameters[name] = x
    }
    return try GradientProblem(expression, parameters: parameters, mu: mu, sigma: sigma, dimension: dimension)
  }

  /// The draws and dimensions sampled at x (nil without sampling): each draw
  /// is `dimension` normals, so their product is the work.
  public func sampleSize(at x: Double) -> (draws: Int, dimension: Int)? {
    guard let draws = sampledDraws else { return nil }
    return (setting == .draws ? Int(x) : draws, setting == .dimension ? Int(x) : dimension)
  }

  /// The values at x, drawing from `generator` when sampling. `shouldStop` is
  /// asked before the point and during its quadrature and draws.
  public func point(
    at x: Double, using generator: inout Xoshiro256StarStar, shouldStop: @escaping () -> Bool = { false }
  ) throws(Failure) -> Point {
    if shouldStop() { throw .interrupted }
    let problem: GradientProblem
    do { problem = try self.problem(at: x) } catch { throw .expression(error) }
    let exact: GradientExpectations
    do { exact = try GradientExpectations(problem, budget: GaussKronrod.Budget(shouldStop: shouldStop)) } catch {
      throw .interrupted
    }
    if let failure = exact.mean.failure { throw .noExpectation(x: x, problem: problem, failure) }
    let divisor = setting == .draws ? x : 1
    var point = Point(
      x: x, gradient: exact.gradient(parameter, sigma: problem.sigma), exactVariances: [:], sampledVariances: [:],
      stop: exact.stop)
    for estimator in estimators {
      point.exactVariances[estimator] =
        exact.variance(estimator, parameter, baseline: baseline, problem: problem) / divisor
    }
    guard let size = sampleSize(at: x) else { return point }
    let sampled: [GradientProblem.Estimator: [GradientProblem.Parameter: GradientProblem.Draws]]
    do {
      sampled = try problem.sample(
        count: size.draws, baseline: baseline, expectations: exact, using: &generator, shouldStop: shouldStop)
    } catch { throw .sampling(error) }
    for estimator in estimators {
      guard let draws = sampled[estimator]?[parameter] else { continue }
      point.sampledVariances[estimator] = SampledVariance(
        variance: draws.moments.variance / divisor,
        roundingShift: draws.rounding.varianceShift(standardDeviation: draws.moments.standardDeviation) / divisor)
    }
    return point
  }

  /// The values at each of `values`, in order, from one generator.
  public func points(
    at values: [Double], using generator: inout Xoshiro256StarStar, shouldStop: @escaping () -> Bool = { false }
  ) throws(Failure) -> [Point] {
    var points: [Point] = []
    for x in values { points.append(try point(at: x, using: &generator, shouldStop: shouldStop)) }
    return points
  }
}

extension GradientSweep {
  /// `count` (at least 2) values from `from` to `to`, evenly spaced as from (1 - t) + to t:
  /// exact at both ends, and finite for any finite ends (from + (to - from) t
  /// overflows when to - from passes 1.8e308).
  public static func evenlySpaced(from: Double, to: Double, count: Int) -> [Double] {
    (0..<count).map {
      let t = Double($0) / Double(count - 1)
      return from * (1 - t) + to * t
    }
  }

  /// Up to `count` (at least 2) whole numbers from `from` to `to` (both at
  /// least 1), evenly spaced in their logarithm, rounded, each once.
  public static func logSpacedWholeNumbers(from: Double, to: Double, count: Int) -> [Double] {
    var values: [Double] = []
    for index in 0..<count {
      let value = (from * Double.pow(to / from, Double(index) / Double(count - 1))).rounded()
      if values.last != value { values.append(value) }
    }
    return values
  }
}
