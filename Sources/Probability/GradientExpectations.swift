import RealModule

/// The expectations that fix every exact gradient and every estimator variance of
/// a `GradientProblem`, for x ~ N(0, 1) and z = mu + sigma x: from closed forms
/// when f is a polynomial, else by adaptive quadrature. Each is an `Estimate`
/// with an error bound, or the reason it has no value (a divergent integral, f
/// undefined where z has mass), so that no exact value is shown that is not one.
///
/// To keep the variances free of cancellation, f and f' enter shifted by their
/// values at the mean, F = f(z) - f(mu) and D = f'(z) - f'(mu): a constant in
/// f does not change any estimator's spread, only the size of the terms that
/// would otherwise cancel (at mu = 1e6, f = z has E[f^2] = 1e12 + 1).
public struct GradientExpectations: Sendable {
  public enum Method: String, Sendable {
    case closedForm = "closed form"
    case quadrature
  }

  public var method: Method
  /// Why the quadrature stopped (`converged` for closed forms).
  public var stop: GaussKronrod.Stop = .converged
  /// f(mu) and f'(mu), the shifts.
  var c: Estimate, d: Estimate
  /// E[F], E[F^2], E[F x], E[F x^2], E[F^2 x^2], E[F (x^2 - 1)^2], E[F^2 (x^2 - 1)^2].
  var f, f2, fx, fx2, f2x2, fScaleScore2, f2ScaleScore2: Estimate
  /// E[D], E[D^2], E[D x], E[D x^2], E[D^2 x^2].
  var fp, fp2, fpx, fpx2, fp2x2: Estimate
  /// E_W[(f(mu + sigma W) - f(mu - sigma W))^2], W ~ Rayleigh.
  var weibullDifference2: Estimate
  /// E_{M,U}[(f(mu + sigma M) - f(mu + sigma M U))^2], M double-sided Maxwell, U uniform.
  var maxwellDifference2: Estimate

  /// The exact expectations, computed within `budget` (quadrature only); throws
  /// on Ctrl-C.
  public init(_ problem: GradientProblem, budget: GaussKronrod.Budget = GaussKronrod.Budget()) throws(Interrupted) {
    if let polynomial = problem.polynomial {
      self.init(closedForm: polynomial, mu: problem.mu, sigma: problem.sigma)
    } else {
      self.init(quadrature: problem, budget: budget)
      if stop == .interrupted { throw Interrupted() }
    }
  }

  /// The integrals in words, for messages: eps = (z - mu) / sigma is the noise.
  enum Integral: String {
    case f = "E[f(z)]", f2 = "E[f(z)^2]", fx = "E[f(z) eps]", fx2 = "E[f(z) eps^2]", f2x2 = "E[f(z)^2 eps^2]"
    case fScaleScore2 = "E[f(z) (eps^2 - 1)^2]", f2ScaleScore2 = "E[f(z)^2 (eps^2 - 1)^2]"
    case fp = "E[f'(z)]", fp2 = "E[f'(z)^2]", fpx = "E[f'(z) eps]", fpx2 = "E[f'(z) eps^2]"
    case fp2x2 = "E[f'(z)^2 eps^2]"
    case weibull = "E[(f(mu + sigma W) - f(mu - sigma W))^2] (W ~ Rayleigh)"
    case maxwell = "E[(f(mu + sigma M) - f(mu + sigma M U))^2] (M ~ Maxwell, U ~ uniform)"

    /// The integrals under the standard normal density, in the order of the
    /// quadrature's components.
    static let normal: [Integral] = [
      .f, .f2, .fx, .fx2, .f2x2, .fScaleScore2, .f2ScaleScore2, .fp, .fp2, .fpx, .fpx2, .fp2x2,
    ]

    /// Whether the integral needs f' (then f' being undefined makes it fail), else f alone.
    var needsDerivative: Bool {
      switch self {
      case .fp, .fp2, .fpx, .fpx2, .fp2x2: true
      default: false
      }
    }

    /// The integrands of `normal`, in its order, at x and without the density,
    /// for F = f - f(mu) and D = f' - f'(mu) at z = mu + sigma x.
    static func normalTerms(F: Double, D: Double, x: Double) -> [Double] {
      let s2 = (x * x - 1) * (x * x - 1)
      return [F, F * F, F * x, F * x * x, F * F * x * x, F * s2, F * F * s2, D, D * D, D * x, D * x * x, D * D * x * x]
    }

    /// How far each of `normalTerms` can move when F and D are known to within
    /// rF and rD (their rounding radii): |g| r for a term F g, and
    /// |g| (2 |F| r + r^2) for a term F^2 g.
    static func normalTermRadii(F: Double, rF: Double, D: Double, rD: Double, x: Double) -> [Double] {
      let s2 = (x * x - 1) * (x * x - 1)
      let (square, squareD) = (CompiledExpression.squareRadius(F, rF), CompiledExpression.squareRadius(D, rD))
      let x2 = x * x
      return [
        rF, square, rF * abs(x), rF * x2, square * x2, rF * s2, square * s2, rD, squareD, rD * abs(x), rD * x2,
        squareD * x2,
      ]
    }
  }

  // MARK: Exact gradients and variances

  /// E[f(z)] itself: without it there is no gradient to estimate.
  public var mean: Estimate { c + f }

  /// Two forms give it: E[f'] (E[f' x] for sigma), and the score identity
  /// E[F x] / sigma (E[F (x^2 - 1)] / sigma). The one with the smaller error
  /// bound is used: where f' has no mean (log|z|: f' = 1/z), or converges slowly
  /// near a singularity (|z|^0.25), E[log|z|] is still smooth in mu.
  public func gradient(_ parameter: GradientProblem.Parameter, sigma: Double) -> Estimate {
    let pathwise =
      switch parameter {
      case .mu: d + fp
      case .sigma, .logvar: fpx
      }
    let score = scoreMoments(parameter, sigma: sigma).fs
    let chosen =
      pathwise.failure == nil && (score.failure != nil || pathwise.error <= score.error) ? pathwise : score
    return parameter == .logvar ? (sigma / 2) * chosen : chosen
  }

  /// The constant baseline that minimises the score-function variance:
  /// b* = E[S s^2] / E[s^2], S = sum of f over the dimensions, s the score.
  public func optimalBaseline(_ parameter: GradientProblem.Parameter, problem: GradientProblem) -> Double {
    shiftedOptimalBaseline(parameter, problem: problem).value + Double(problem.dimension) * c.value
  }

  /// b* for the shifted S - D f(mu).
  func shiftedOptimalBaseline(_ parameter: GradientProblem.Parameter, problem: GradientProblem) -> Estimate {
    let moments = scoreMoments(parameter, sigma: problem.sigma)
    return (moments.fs2 + Double(problem.dimension - 1) * f * moments.s2) * Estimate(1 / moments.s2.value)
  }

  /// E[F s], E[F s^2], E[F^2 s^2], E[s^2] for the score s of mu or sigma.
  func scoreMoments(_ parameter: GradientProblem.Parameter, sigma: Double) -> (
    fs: Estimate, fs2: Estimate, f2s2: Estimate, s2: Estimate
  ) {
    // 1/sigma^2 carries two roundings.
    let (s1, s2) = (1 / sigma, 1 / (sigma * sigma))
    let square = Estimate(s2, error: 2 * Estimate.unitRoundoff * s2)
    return switch parameter {
    case .mu: (s1 * fx, square * fx2, square * f2x2, square)
    case .sigma, .logvar: (s1 * (fx2 - f), square * fScaleScore2, square * f2ScaleScore2, 2 * square)
    }
  }

  /// The variance of one draw of `estimator` for `parameter`. For the mean
  /// baseline this is its limit for many draws, where the baseline is E[S].
  /// A divergent second moment makes the variance infinite: value +inf, and the
  /// failure says which integral diverges.
  public func variance(
    _ estimator: GradientProblem.Estimator, _ parameter: GradientProblem.Parameter, baseline: GradientProblem.Baseline,
    problem: GradientProblem
  ) -> Estimate {
    let sigma = problem.sigma
    let scale = problem.scale(for: parameter)
    var raw: Estimate
    switch estimator {
    case .pathwise:
      raw = parameter == .mu ? fp2 - fp * fp : fp2x2 + 2 * d * fpx2 + d * d - fpx * fpx
    case .score, .scoreWithBaseline:
      let chosen: GradientProblem.Baseline = estimator == .score ? .none : baseline
      let dimension = Double(problem.dimension)
      // The baseline for the shifted sum, S - D f(mu).
      let b: Estimate
      switch chosen {
      case .none: b = -dimension * c
      case .mean: b = dimension * f
      case .optimal: b = shiftedOptimalBaseline(parameter, problem: problem)
      }
      let (fs, fs2, f2s2, s2) = scoreMoments(parameter, sigma: sigma)
      let others = dimension - 1
      let shift = others * f - b
      raw = f2s2 + 2 * fs2 * shift + s2 * shift * shift - fs * fs
      // The other coordinates' spread, a term only where there are other coordinates.
      if others > 0 { raw = raw + others * s2 * (f2 - f * f) }
    case .measureValued:
      // The gradient from the score identity, E[F s], which needs f only.
      let g = scoreMoments(parameter, sigma: sigma).fs
      raw =
        parameter == .mu
        ? weibullDifference2 / (2 * Double.pi * sigma * sigma) - g * g
        : maxwellDifference2 / (sigma * sigma) - g * g
    }
    if let failure = raw.failure, failure.isDivergence { return Estimate(.infinity, failure: failure) }
    var result = (scale * scale) * raw
    // A variance is not negative: a value below zero by less than its error is zero within it.
    if result.failure == nil && result.value < 0 && -result.value <= result.error {
      result.error = max(result.error + result.value, 0)
      result.value = 0
    }
    return result
  }
}
