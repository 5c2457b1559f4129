import func Foundation.exp
import Probability

extension GradientProblem.Baseline: ArgumentChoice, Encodable {}
extension GradientProblem.Parameter: ArgumentChoice, Encodable {}
extension GradientProblem.Estimator: Encodable {}

/// The problem `grad` and `grad sweep` share: f(z) with its parameters, z ~ N(mu,
/// sigma^2) in `dim` dimensions, and the baseline of the score estimator.
struct GradientArguments {
  var expression: Expression
  var parameters: [String: Double]
  var mu: Double
  var sigma: Double
  var dimension: Int
  var baseline: GradientProblem.Baseline

  static let muDomain = RealDomain.closed(-1e6, 1e6)
  static let sigmaDomain = RealDomain(
    lower: 1e-6, lowerIsInclusive: true, upper: 1e6, upperIsInclusive: true, explanation: "> 0 (from 1e-6 to 1e6)")
  static let logVarianceDomain = RealDomain.closed(-27, 27)

  /// The arguments both commands declare.
  struct Common: CommandArguments {
    @Positional(.expression, help: "the cost f(z)") var f: String
    @Positional(muDomain, help: "mean of z") var mu: Double = 0
    @Positional(sigmaDomain, help: "standard deviation of z") var sigma: Double = 1
    @Named(logVarianceDomain, help: "log variance of z, instead of sigma") var logvar: Double?
    @Named(help: "baseline of score+baseline: none (omit it), mean (leave-one-out mean), optimal (best constant)")
    var baseline: GradientProblem.Baseline = .mean
    @Named(name: "dim", 1...1000, help: "dimensions of z; f is applied to each and summed") var dimension: Int = 1
    @ExpressionParameters var parameters: [String: Double]

    static let rules = ["give sigma or logvar, not both"]

    /// f parses, and one spread is given.
    func validate() throws(LabError) { _ = try GradientArguments(self) }
  }

  static let expressionHelp = """
    f is written in z with numbers, + - * / ^, parentheses and the functions exp,
    log, sqrt, sin, cos, tanh, abs, sigmoid and softplus; other names are
    parameters, given as name=value (grad f="(z-k)^2" k=3).
    """

  init(_ arguments: Common) throws(LabError) {
    let source = arguments.f
    do { expression = try Expression(parsing: source) } catch { throw Self.describe(error, in: source) }
    try GaussianArguments.requireOneSpread(sigma: arguments.$sigma, logvar: arguments.$logvar)
    sigma = arguments.logvar.map { exp($0 / 2) } ?? arguments.sigma
    parameters = arguments.parameters
    mu = arguments.mu
    dimension = arguments.dimension
    baseline = arguments.baseline
  }

  /// Every parameter given must be one f uses (a misspelt name is caught here),
  /// except `allowing`, which a sweep sets itself.
  func checkParameters(allowing swept: String? = nil) throws(LabError) {
    let used = Set(expression.parameters.map(\.name))
    for name in parameters.keys.sorted() where !used.contains(name) && name != swept {
      let list = used.isEmpty ? "it has none" : "its parameters: \(used.sorted().joined(separator: ", "))"
      throw LabError("f = \(expression.source) does not use \(name) (\(list))")
    }
  }

  /// The problem these arguments give.
  func problem() throws(LabError) -> GradientProblem {
    do {
      return try GradientProblem(expression, parameters: parameters, mu: mu, sigma: sigma, dimension: dimension)
    } catch { throw Self.describe(error, in: expression.source) }
  }

  /// An expression error with a caret under the column it points at.
  static func describe(_ error: ExpressionError, in source: String) -> LabError {
    LabError("f: \(error.message)\n  \(source)\n  \(String(repeating: " ", count: error.column))^")
  }

  static func samplingError(_ error: GradientSamplingError, source: String, precision: Int) -> LabError {
    switch error {
    case .interrupted: return .interrupted
    case .notFinite(let z):
      return LabError(
        "f(z) = \(source) is not finite, or beyond 1e100 in size, at z = \(NumberFormat.fixed(z, precision)), a value the draws reached: averaging it would hide the problem; change mu, sigma or f"
      )
    }
  }

  /// The exact values, computed within the standard quadrature budget and
  /// stopped by Ctrl-C; refused when E[f(z)] itself does not exist (then there
  /// is no gradient to estimate).
  static func exact(_ problem: GradientProblem, source: String, shouldStop: @escaping @Sendable () -> Bool)
    throws(LabError) -> GradientExpectations
  {
    let exact: GradientExpectations
    do { exact = try GradientExpectations(problem, budget: GaussKronrod.Budget(shouldStop: shouldStop)) } catch {
      throw .interrupted
    }
    if let failure = exact.mean.failure { throw noExpectation(problem, source: source, failure) }
    return exact
  }

  /// E[f(z)] does not exist (`failure` says why), so there is no gradient to estimate.
  static func noExpectation(_ problem: GradientProblem, source: String, _ failure: Estimate.Failure) -> LabError {
    LabError(
      "f = \(source) has no expectation under z ~ N(\(NumberFormat.shortest(problem.mu)), \(NumberFormat.shortest(problem.sigma))^2), so there is no gradient to estimate: \(failure)"
    )
  }
}
