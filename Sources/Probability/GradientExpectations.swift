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
  }

  // MARK: Closed forms for polynomial f

  /// E[x^k] for x ~ N(0, 1): (k - 1)!! for even k, 0 for odd.
  static func normalMoment(_ k: Int) -> Double { k % 2 == 1 ? 0 : doubleFactorial(k - 1) }
  /// E[|x|^k] for x ~ N(0, 1): (k - 1)!! for even k, sqrt(2 / pi) (k - 1)!! for odd.
  static func absoluteNormalMoment(_ k: Int) -> Double {
    k % 2 == 0 ? doubleFactorial(k - 1) : doubleFactorial(k - 1) * (2 / Double.pi).squareRoot()
  }
  /// E[W^k] for W ~ Rayleigh(1): 2^(k/2) Gamma(1 + k/2).
  static func rayleighMoment(_ k: Int) -> Double {
    k % 2 == 0 ? Double.pow(2, Double(k / 2)) * factorial(k / 2) : doubleFactorial(k) * (Double.pi / 2).squareRoot()
  }
  /// E[M^k] for the double-sided Maxwell density m^2 phi(m): E[x^(k+2)] under N(0, 1).
  static func maxwellMoment(_ k: Int) -> Double { normalMoment(k + 2) }

  static func doubleFactorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * doubleFactorial(n - 2) }
  static func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }

  /// Each expectation of a polynomial q in x is sum c_k E[x^k]. Its rounding
  /// error is bounded by gamma times the same sum over the magnitudes: the
  /// polynomial built from |coefficients| and |mu| (which bounds every
  /// coefficient and every partial sum on the way), with E|x|^k; gamma =
  /// (4 degree + 16) u covers the substitution, the products and the sum.
  init(closedForm polynomial: Polynomial, mu: Double, sigma: Double) {
    method = .closedForm
    let magnitude = Polynomial(polynomial.coefficients.map(abs))
    let p = polynomial.substituting(mu, plus: sigma)  // f(mu + sigma x) in x
    let dp = polynomial.derivative.substituting(mu, plus: sigma)  // f'(mu + sigma x) in x
    let pm = magnitude.substituting(abs(mu), plus: sigma)
    let dpm = magnitude.derivative.substituting(abs(mu), plus: sigma)
    let gamma = { (degree: Int) in Double(4 * degree + 16) * Estimate.unitRoundoff }
    c = Estimate(p[0], error: gamma(p.degree) * pm[0])
    d = Estimate(dp[0], error: gamma(dp.degree) * dpm[0])
    // F and D: the constant terms removed, exactly; the magnitudes of what is left.
    func withoutConstant(_ q: Polynomial) -> Polynomial { Polynomial([0] + q.coefficients.dropFirst()) }
    let (F, D) = (withoutConstant(p), withoutConstant(dp))
    let (Fm, Dm) = (withoutConstant(pm), withoutConstant(dpm))
    let (x, x2m1) = (Polynomial([0, 1]), Polynomial([-1, 0, 1]))
    let (xm, x2p1) = (Polynomial([0, 1]), Polynomial([1, 0, 1]))
    func e(_ q: Polynomial, _ qm: Polynomial) -> Estimate {
      Estimate(
        q.expectation(moments: Self.normalMoment),
        error: gamma(qm.degree) * qm.expectation(moments: Self.absoluteNormalMoment))
    }
    f = e(F, Fm)
    f2 = e(F * F, Fm * Fm)
    fx = e(F * x, Fm * xm)
    fx2 = e(F * x * x, Fm * xm * xm)
    f2x2 = e(F * F * x * x, Fm * Fm * xm * xm)
    fScaleScore2 = e(F * x2m1 * x2m1, Fm * x2p1 * x2p1)
    f2ScaleScore2 = e(F * F * x2m1 * x2m1, Fm * Fm * x2p1 * x2p1)
    fp = e(D, Dm)
    fp2 = e(D * D, Dm * Dm)
    fpx = e(D * x, Dm * xm)
    fpx2 = e(D * x * x, Dm * xm * xm)
    fp2x2 = e(D * D * x * x, Dm * Dm * xm * xm)
    // f(mu + sigma w) - f(mu - sigma w) = 2 * (odd part of p)(w).
    func oddPart(_ q: Polynomial) -> Polynomial {
      Polynomial(q.coefficients.enumerated().map { $0.offset % 2 == 1 ? 2 * $0.element : 0 })
    }
    let (odd, oddMagnitude) = (oddPart(p), oddPart(pm))
    weibullDifference2 = Estimate(
      (odd * odd).expectation(moments: Self.rayleighMoment),
      error: gamma(2 * p.degree) * (oddMagnitude * oddMagnitude).expectation(moments: Self.rayleighMoment))
    // (sum_k c_k M^k (1 - U^k))^2, with E[(1 - U^j)(1 - U^k)] = 1 - 1/(j+1) - 1/(k+1) + 1/(j+k+1).
    var (maxwell, maxwellMagnitude) = (0.0, 0.0)
    for j in 1..<max(p.coefficients.count, 1) {
      for k in 1..<p.coefficients.count {
        let uniform = 1 - 1 / Double(j + 1) - 1 / Double(k + 1) + 1 / Double(j + k + 1)
        maxwell += p[j] * p[k] * Self.maxwellMoment(j + k) * uniform
        maxwellMagnitude += pm[j] * pm[k] * Self.absoluteNormalMoment(j + k + 2) * uniform
      }
    }
    // About degree^2 terms summed, on coefficients rounded in the substitution.
    let sumBound = Double(p.degree * p.degree + 16) * Estimate.unitRoundoff + gamma(p.degree)
    maxwellDifference2 = Estimate(maxwell, error: sumBound * maxwellMagnitude)
  }

  // MARK: Quadrature for any f

  /// The half-width of the integration ranges in standard deviations: the
  /// Gaussian weight beyond 20 is below 1e-88.
  public static let range = 20.0

  /// Where f or f' was found undefined (NaN) or too large: the point nearest the mean.
  struct DomainFailures {
    var mu: Double
    var value: Estimate.Failure.Reason?
    var derivative: Estimate.Failure.Reason?
    var valueDistance = Double.infinity, derivativeDistance = Double.infinity

    mutating func note(z: Double, value v: Double, derivative dv: Double) {
      let distance = abs(z - mu)
      if distance < valueDistance, let reason = Self.reason(v, at: z) { (value, valueDistance) = (reason, distance) }
      if distance < derivativeDistance, let reason = Self.reason(dv, at: z) {
        (derivative, derivativeDistance) = (reason, distance)
      }
    }

    /// NaN: undefined; finite beyond `largestValue`: too large. An infinite value
    /// is a pole's, left to the quadrature, which tells whether it is integrable
    /// (log|z| at 0 is; 1/z is not).
    static func reason(_ v: Double, at z: Double) -> Estimate.Failure.Reason? {
      if v.isNaN { return .undefined(at: z) }
      return v.isInfinite || abs(v) <= GradientProblem.largestValue ? nil : .tooLarge(at: z)
    }
  }

  init(quadrature problem: GradientProblem, budget: GaussKronrod.Budget) {
    method = .quadrature
    let (mu, sigma, cost) = (problem.mu, problem.sigma, problem.f)
    // The shifts; at a singular mean (1/z at mu = 0) none, and the quadrature, whose
    // nodes never fall on a panel's ends, finds out whether the integrals exist.
    let centre = cost.evaluate(at: mu)
    var domain = DomainFailures(mu: mu)
    func usable(_ v: Double) -> Bool { v.isFinite && abs(v) <= GradientProblem.largestValue }
    let (shiftF, shiftD) = (usable(centre.value) ? centre.value : 0, usable(centre.derivative) ? centre.derivative : 0)
    c = Estimate(shiftF)
    d = Estimate(shiftD)
    // f - f(mu) and f' - f'(mu) at z, zero where undefined (the failure is noted instead).
    let workspace = CompiledExpression.Workspace(for: cost, capacity: 15)
    var values = [Double](repeating: 0, count: 15)
    var derivatives = values
    func evaluate(_ zs: [Double]) -> (values: [Double], derivatives: [Double]) {
      zs.withUnsafeBufferPointer { input in
        values.withUnsafeMutableBufferPointer { v in
          derivatives.withUnsafeMutableBufferPointer { dv in
            cost.evaluate(input, value: v, derivative: dv, workspace: workspace)
          }
        }
      }
      var (shiftedValues, shiftedDerivatives) = (Array(values[0..<zs.count]), Array(derivatives[0..<zs.count]))
      for i in zs.indices {
        domain.note(z: zs[i], value: values[i], derivative: derivatives[i])
        // Without E[f] there is nothing to compute: finish the first pass (to find the
        // undefined point nearest the mean), then stop.
        if domain.value != nil { budget.abandon() }
        shiftedValues[i] = DomainFailures.reason(values[i], at: 0) == nil ? values[i] - shiftF : 0
        shiftedDerivatives[i] = DomainFailures.reason(derivatives[i], at: 0) == nil ? derivatives[i] - shiftD : 0
        // Terms in a pole's neighbourhood: infinite (the quadrature halves around them), never NaN (0 * inf).
        if values[i].isInfinite { shiftedValues[i] = .infinity }
        if derivatives[i].isInfinite { shiftedDerivatives[i] = .infinity }
      }
      return (shiftedValues, shiftedDerivatives)
    }
    func density(_ x: Double) -> Double { Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }
    let R = Self.range
    let minimumWidth = 1e-12 * R
    let normal = GaussKronrod.integrate(
      from: -R, to: R, components: Integral.normal.count, panels: 40, minimumWidth: minimumWidth,
      checkedEnds: (true, true), budget: budget
    ) { xs in
      let (v, dv) = evaluate(xs.map { mu + sigma * $0 })
      var out = [Double](repeating: 0, count: Integral.normal.count * xs.count)
      for (i, x) in xs.enumerated() {
        let w = density(x)
        for (c, term) in Integral.normalTerms(F: v[i], D: dv[i], x: x).enumerated() { out[c * xs.count + i] = term * w }
      }
      return out
    }
    /// The component of one of `Integral.normal` in `normal`.
    func component(_ integral: Integral) -> Int { Integral.normal.firstIndex(of: integral) ?? 0 }
    // Rayleigh density w exp(-w^2 / 2) on w >= 0.
    let weibull = GaussKronrod.integrate(
      from: 0, to: R, components: 1, panels: 20, minimumWidth: minimumWidth, checkedEnds: (false, true),
      budget: budget
    ) { ws in
      let plus = evaluate(ws.map { mu + sigma * $0 }).values
      let minus = evaluate(ws.map { mu - sigma * $0 }).values
      return ws.indices.map { i in
        (plus[i] - minus[i]) * (plus[i] - minus[i]) * ws[i] * Double.exp(-0.5 * ws[i] * ws[i])
      }
    }
    // Double-sided Maxwell density m^2 phi(m), and inside it U uniform on [0, 1]:
    // component 0 the value, component 1 the inner integrals' error estimates.
    // An inner integral needs only the accuracy its weight makes count: the
    // whole is at most 2 E[F(M)^2] + 2 E[F(MU)^2] = 2 (E[F^2 x^2] + E[F^2]), and
    // inner errors below 1e-12 of that over the range's length, divided by the
    // weight, add up to no more than 1e-12 of it.
    let scale = 2 * (abs(normal.values[component(.f2x2)]) + abs(normal.values[component(.f2)]))
    var innerFailure: Estimate.Failure.Reason?
    // The outer tolerance is looser than the inner ones: halving outer panels to
    // chase the inner integrals' rounding would spend the budget for nothing.
    let maxwell = GaussKronrod.integrate(
      from: -R, to: R, components: 2, panels: 40, refining: 1, relativeTolerance: 1e-10, minimumWidth: minimumWidth,
      checkedEnds: (true, true), budget: budget
    ) { ms in
      var out = [Double](repeating: 0, count: 2 * ms.count)
      for (i, m) in ms.enumerated() {
        let weight = m * m * density(m)
        let outer = evaluate([mu + sigma * m]).values[0]
        let inner = GaussKronrod.integrate(
          from: 0, to: 1, components: 1, panels: 1,
          absoluteTolerance: 1e-12 * scale / (2 * R * max(weight, 1e-300)), minimumWidth: 1e-12, budget: budget
        ) { us in
          evaluate(us.map { mu + sigma * m * $0 }).values.map { (outer - $0) * (outer - $0) }
        }
        if innerFailure == nil, case .diverges(let u)? = inner.failures[0] {
          innerFailure = .diverges(near: mu + sigma * m * u)
        }
        out[i] = inner.values[0] * weight
        out[ms.count + i] = inner.errors[0] * weight
      }
      return out
    }
    stop = budget.stop
    // The Rayleigh integrand at w holds f at mu + sigma w and mu - sigma w: the singular one is the larger.
    func singularEnd(w: Double) -> Double {
      let (plus, minus) = (mu + sigma * w, mu - sigma * w)
      let (a, b) = (cost.evaluate(at: plus).value, cost.evaluate(at: minus).value)
      return !(abs(b) <= abs(a)) ? minus : plus
    }
    func estimate(_ result: GaussKronrod.Result, _ c: Int, _ integral: Integral, domain: Estimate.Failure.Reason?)
      -> Estimate
    {
      let reason: Estimate.Failure.Reason? =
        domain
        ?? result.failures[c].map { failure in
          switch failure {
          case .diverges(let x): .diverges(near: integral == .weibull ? singularEnd(w: x) : mu + sigma * x)
          case .notFinite(let x): .tooLarge(at: mu + sigma * x)
          case .tail: .tail
          }
        }
      return Estimate(
        result.values[c], error: result.errors[c],
        failure: reason.map { Estimate.Failure(integral: integral.rawValue, reason: $0) })
    }
    let (ofF, ofD) = (domain.value, domain.derivative)
    func normalEstimate(_ integral: Integral) -> Estimate {
      estimate(normal, component(integral), integral, domain: integral.needsDerivative ? ofD : ofF)
    }
    (f, f2, fx, fx2, f2x2) = (
      normalEstimate(.f), normalEstimate(.f2), normalEstimate(.fx), normalEstimate(.fx2), normalEstimate(.f2x2)
    )
    (fScaleScore2, f2ScaleScore2) = (normalEstimate(.fScaleScore2), normalEstimate(.f2ScaleScore2))
    (fp, fp2, fpx, fpx2, fp2x2) = (
      normalEstimate(.fp), normalEstimate(.fp2), normalEstimate(.fpx), normalEstimate(.fpx2), normalEstimate(.fp2x2)
    )
    weibullDifference2 = estimate(weibull, 0, .weibull, domain: ofF)
    maxwellDifference2 = estimate(maxwell, 0, .maxwell, domain: ofF ?? innerFailure)
    maxwellDifference2.error += maxwell.values[1]
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
