import RealModule

/// The expectations that fix every exact gradient and every estimator variance of
/// a `GradientProblem`, for x ~ N(0, 1) and z = mu + sigma x (f and f' at z):
/// from closed forms when f is a polynomial, else by adaptive quadrature.
public struct GradientExpectations: Sendable {
  public enum Method: String, Sendable {
    case closedForm = "closed form"
    case quadrature
  }

  public var method: Method
  /// Sum of the quadrature's error estimates (0 for closed forms).
  public var error: Double
  var f = 0.0, f2 = 0.0
  var fp = 0.0, fp2 = 0.0, fpx = 0.0, fp2x2 = 0.0
  var fx = 0.0, fx2 = 0.0, f2x2 = 0.0
  /// E[f (x^2 - 1)^2] and E[f^2 (x^2 - 1)^2], for the score of sigma.
  var fScaleScore2 = 0.0, f2ScaleScore2 = 0.0
  /// E_W[(f(mu + sigma W) - f(mu - sigma W))^2], W ~ Rayleigh.
  var weibullDifference2 = 0.0
  /// E_{M,U}[(f(mu + sigma M) - f(mu + sigma M U))^2], M double-sided Maxwell, U uniform.
  var maxwellDifference2 = 0.0

  public init(_ problem: GradientProblem) {
    if let polynomial = problem.polynomial {
      self.init(closedForm: polynomial, mu: problem.mu, sigma: problem.sigma)
    } else {
      self.init(quadrature: problem)
    }
  }

  // MARK: Closed forms for polynomial f

  /// E[x^k] for x ~ N(0, 1): (k - 1)!! for even k, 0 for odd.
  static func normalMoment(_ k: Int) -> Double { k % 2 == 1 ? 0 : doubleFactorial(k - 1) }
  /// E[W^k] for W ~ Rayleigh(1): 2^(k/2) Gamma(1 + k/2).
  static func rayleighMoment(_ k: Int) -> Double {
    k % 2 == 0 ? Double.pow(2, Double(k / 2)) * factorial(k / 2) : doubleFactorial(k) * (Double.pi / 2).squareRoot()
  }
  /// E[M^k] for the double-sided Maxwell density m^2 phi(m): E[x^(k+2)] under N(0, 1).
  static func maxwellMoment(_ k: Int) -> Double { normalMoment(k + 2) }

  static func doubleFactorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * doubleFactorial(n - 2) }
  static func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }

  init(closedForm polynomial: Polynomial, mu: Double, sigma: Double) {
    method = .closedForm
    error = 0
    let p = polynomial.substituting(mu, plus: sigma)  // f(mu + sigma x) in x
    let dp = polynomial.derivative.substituting(mu, plus: sigma)  // f'(mu + sigma x) in x
    let x = Polynomial([0, 1])
    let x2m1 = Polynomial([-1, 0, 1])
    func e(_ q: Polynomial) -> Double { q.expectation(moments: Self.normalMoment) }
    f = e(p)
    f2 = e(p * p)
    fp = e(dp)
    fp2 = e(dp * dp)
    fpx = e(dp * x)
    fp2x2 = e(dp * dp * x * x)
    fx = e(p * x)
    fx2 = e(p * x * x)
    f2x2 = e(p * p * x * x)
    fScaleScore2 = e(p * x2m1 * x2m1)
    f2ScaleScore2 = e(p * p * x2m1 * x2m1)
    // f(mu + sigma w) - f(mu - sigma w) = 2 * (odd part of p)(w).
    let oddPart = Polynomial(p.coefficients.enumerated().map { $0.offset % 2 == 1 ? 2 * $0.element : 0 })
    weibullDifference2 = (oddPart * oddPart).expectation(moments: Self.rayleighMoment)
    // (sum_k c_k M^k (1 - U^k))^2, with E[(1 - U^j)(1 - U^k)] = 1 - 1/(j+1) - 1/(k+1) + 1/(j+k+1).
    let c = p.coefficients
    var maxwell = 0.0
    for j in 1..<max(c.count, 1) {
      for k in 1..<c.count {
        let uniform = 1 - 1 / Double(j + 1) - 1 / Double(k + 1) + 1 / Double(j + k + 1)
        maxwell += c[j] * c[k] * Self.maxwellMoment(j + k) * uniform
      }
    }
    maxwellDifference2 = maxwell
  }

  // MARK: Quadrature for any f

  /// The half-width of the integration ranges in standard deviations: the
  /// Gaussian weight beyond 20 is below 1e-88.
  static let range = 20.0

  init(quadrature problem: GradientProblem) {
    method = .quadrature
    let (mu, sigma, cost) = (problem.mu, problem.sigma, problem.f)
    func evaluate(_ zs: [Double]) -> (values: [Double], derivatives: [Double]) {
      var values = [Double](repeating: 0, count: zs.count)
      var derivatives = values
      let workspace = CompiledExpression.Workspace(for: cost, capacity: zs.count)
      zs.withUnsafeBufferPointer { input in
        values.withUnsafeMutableBufferPointer { v in
          derivatives.withUnsafeMutableBufferPointer { d in
            cost.evaluate(input, value: v, derivative: d, workspace: workspace)
          }
        }
      }
      return (values, derivatives)
    }
    let normal = GaussKronrod.integrate(from: -Self.range, to: Self.range, components: 11, panels: 40) { xs in
      let (v, d) = evaluate(xs.map { mu + sigma * $0 })
      var out = [Double](repeating: 0, count: 11 * xs.count)
      for (i, x) in xs.enumerated() {
        let weight = Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        let (fv, dv) = (v[i], d[i])
        let s2 = (x * x - 1) * (x * x - 1)
        let terms = [
          fv, fv * fv, dv, dv * dv, dv * x, dv * dv * x * x, fv * x, fv * x * x, fv * fv * x * x, fv * s2, fv * fv * s2,
        ]
        for (c, term) in terms.enumerated() { out[c * xs.count + i] = weight == 0 ? 0 : term * weight }
      }
      return out
    }
    let n = normal.values
    (f, f2, fp, fp2, fpx, fp2x2, fx, fx2, f2x2, fScaleScore2, f2ScaleScore2) =
      (n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10])
    // Rayleigh density w exp(-w^2 / 2) on w >= 0.
    let weibull = GaussKronrod.integrate(from: 0, to: Self.range, components: 1, panels: 20) { ws in
      let plus = evaluate(ws.map { mu + sigma * $0 }).values
      let minus = evaluate(ws.map { mu - sigma * $0 }).values
      return ws.indices.map { i in
        let weight = ws[i] * Double.exp(-0.5 * ws[i] * ws[i])
        let difference = plus[i] - minus[i]
        return weight == 0 ? 0 : difference * difference * weight
      }
    }
    weibullDifference2 = weibull.values[0]
    // Double-sided Maxwell density m^2 phi(m), and inside it U uniform on [0, 1].
    let maxwell = GaussKronrod.integrate(from: -Self.range, to: Self.range, components: 1, panels: 40) { ms in
      ms.map { m -> Double in
        let weight = m * m * Double.exp(-0.5 * m * m) / (2 * Double.pi).squareRoot()
        guard weight > 0 else { return 0 }
        let outer = evaluate([mu + sigma * m]).values[0]
        let inner = GaussKronrod.integrate(from: 0, to: 1, components: 1, panels: 1, tolerance: 1e-14) { us in
          evaluate(us.map { mu + sigma * m * $0 }).values.map { (outer - $0) * (outer - $0) }
        }
        return inner.values[0] * weight
      }
    }
    maxwellDifference2 = maxwell.values[0]
    error = normal.errors.reduce(0, +) + weibull.errors[0] + maxwell.errors[0]
  }

  // MARK: Exact gradients and variances

  /// dF/dtheta for the first coordinate.
  public func gradient(_ parameter: GradientProblem.Parameter, sigma: Double) -> Double {
    switch parameter {
    case .mu: fp
    case .sigma: fpx
    case .logvar: sigma / 2 * fpx
    }
  }

  /// The constant baseline that minimises the score-function variance:
  /// b* = E[S s^2] / E[s^2], S = sum of f over the dimensions, s the score.
  public func optimalBaseline(_ parameter: GradientProblem.Parameter, problem: GradientProblem) -> Double {
    let (_, fs2, _, s2) = scoreMoments(parameter, sigma: problem.sigma)
    return (fs2 + Double(problem.dimension - 1) * f * s2) / s2
  }

  /// E[f s], E[f s^2], E[f^2 s^2], E[s^2] for the score s of mu or sigma.
  func scoreMoments(_ parameter: GradientProblem.Parameter, sigma: Double) -> (Double, Double, Double, Double) {
    switch parameter {
    case .mu: (fx / sigma, fx2 / (sigma * sigma), f2x2 / (sigma * sigma), 1 / (sigma * sigma))
    case .sigma, .logvar:
      ((fx2 - f) / sigma, fScaleScore2 / (sigma * sigma), f2ScaleScore2 / (sigma * sigma), 2 / (sigma * sigma))
    }
  }

  /// The variance of one draw of `estimator` for `parameter`. For the mean
  /// baseline this is its limit for many draws, where the baseline is E[S].
  public func variance(
    _ estimator: GradientProblem.Estimator, _ parameter: GradientProblem.Parameter, baseline: GradientProblem.Baseline,
    problem: GradientProblem
  ) -> Double {
    let sigma = problem.sigma
    let scale = problem.scale(for: parameter)
    let g = gradient(parameter == .logvar ? .sigma : parameter, sigma: sigma)
    let raw: Double
    switch estimator {
    case .pathwise:
      raw = parameter == .mu ? fp2 - fp * fp : fp2x2 - fpx * fpx
    case .score, .scoreWithBaseline:
      let chosen: GradientProblem.Baseline = estimator == .score ? .none : baseline
      let b: Double
      switch chosen {
      case .none: b = 0
      case .mean: b = Double(problem.dimension) * f
      case .optimal: b = optimalBaseline(parameter, problem: problem)
      }
      let (_, fs2, f2s2, s2) = scoreMoments(parameter, sigma: sigma)
      let others = Double(problem.dimension - 1)
      let shift = others * f - b
      raw = f2s2 + 2 * fs2 * shift + s2 * (others * (f2 - f * f) + shift * shift) - g * g
    case .measureValued:
      raw =
        parameter == .mu
        ? weibullDifference2 / (2 * Double.pi * sigma * sigma) - g * g
        : maxwellDifference2 / (sigma * sigma) - g * g
    }
    return raw * scale * scale
  }
}
