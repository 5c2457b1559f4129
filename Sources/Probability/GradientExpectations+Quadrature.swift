/// The expectations of any f, by adaptive Gauss-Kronrod quadrature against the
/// normal, Rayleigh and Maxwell weights.
///
/// Each error bound also holds what rounding in f's values and slopes can do
/// to the integrand: beside every integral, its integrand's rounding radius
/// (CompiledExpression+Rounding) is integrated on the same panels, without
/// driving their refinement, and added to the error. When f's values are too
/// large for z to show in them (sin(z) + 1e17), that is the bound that keeps
/// the quadrature's 0 from being shown as the answer.
extension GradientExpectations {
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
    var values = [Double](repeating: 0, count: 15)
    var derivatives = values
    var valueRadii = values
    var derivativeRadii = values
    let workspace = CompiledExpression.Workspace(for: cost, capacity: 15)
    func evaluateRaw(_ zs: [Double]) {
      zs.withUnsafeBufferPointer { input in
        values.withUnsafeMutableBufferPointer { v in
          derivatives.withUnsafeMutableBufferPointer { dv in
            valueRadii.withUnsafeMutableBufferPointer { r in
              derivativeRadii.withUnsafeMutableBufferPointer { s in
                cost.evaluate(
                  input, value: v, derivative: dv, radii: CompiledExpression.RoundingRadii(value: r, derivative: s),
                  workspace: workspace)
              }
            }
          }
        }
      }
    }
    evaluateRaw([mu])
    var domain = DomainFailures(mu: mu)
    func usable(_ v: Double) -> Bool { v.isFinite && abs(v) <= GradientProblem.largestValue }
    let (shiftF, shiftD) = (usable(values[0]) ? values[0] : 0, usable(derivatives[0]) ? derivatives[0] : 0)
    c = Estimate(shiftF, error: shiftF == 0 ? 0 : valueRadii[0])
    d = Estimate(shiftD, error: shiftD == 0 ? 0 : derivativeRadii[0])
    // A rounding radius too large to integrate (a ball that reached a pole) makes every error bound infinite.
    var unboundedRounding = false
    /// f - f(mu) and f' - f'(mu) at z, zero where undefined (the failure is noted
    /// instead), with their rounding radii: f's, plus the subtraction's.
    func evaluate(_ zs: [Double]) -> (
      values: [Double], derivatives: [Double], radii: [Double], derivativeRadii: [Double]
    ) {
      evaluateRaw(zs)
      var (shiftedValues, shiftedDerivatives) = (Array(values[0..<zs.count]), Array(derivatives[0..<zs.count]))
      var (radii, shiftedDerivativeRadii) = (
        [Double](repeating: 0, count: zs.count), [Double](repeating: 0, count: zs.count)
      )
      for i in zs.indices {
        domain.note(z: zs[i], value: values[i], derivative: derivatives[i])
        // Without E[f] there is nothing to compute: finish the first pass (to find the
        // undefined point nearest the mean), then stop.
        if domain.value != nil { budget.abandon() }
        if DomainFailures.reason(values[i], at: 0) == nil {
          shiftedValues[i] = values[i] - shiftF
          radii[i] = valueRadii[i] + CompiledExpression.sumError(values[i], -shiftF, shiftedValues[i])
        } else {
          shiftedValues[i] = 0
        }
        if DomainFailures.reason(derivatives[i], at: 0) == nil {
          shiftedDerivatives[i] = derivatives[i] - shiftD
          shiftedDerivativeRadii[i] =
            derivativeRadii[i] + CompiledExpression.sumError(derivatives[i], -shiftD, shiftedDerivatives[i])
        } else {
          shiftedDerivatives[i] = 0
        }
        // Terms in a pole's neighbourhood: infinite (the quadrature halves around them), never NaN (0 * inf).
        if values[i].isInfinite { (shiftedValues[i], radii[i]) = (.infinity, 0) }
        if derivatives[i].isInfinite { (shiftedDerivatives[i], shiftedDerivativeRadii[i]) = (.infinity, 0) }
        if !radii[i].isFinite || !shiftedDerivativeRadii[i].isFinite {
          unboundedRounding = true
          (radii[i], shiftedDerivativeRadii[i]) = (0, 0)
        }
      }
      return (shiftedValues, shiftedDerivatives, radii, shiftedDerivativeRadii)
    }
    func density(_ x: Double) -> Double { Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }
    let R = Self.range
    let minimumWidth = 1e-12 * R
    // The integrals, then their integrands' rounding radii (which do not drive the refinement).
    let terms = Integral.normal.count
    let normal = GaussKronrod.integrate(
      from: -R, to: R, components: 2 * terms, panels: 40, refining: terms, minimumWidth: minimumWidth,
      checkedEnds: (true, true), budget: budget
    ) { xs in
      let (v, dv, r, dr) = evaluate(xs.map { mu + sigma * $0 })
      var out = [Double](repeating: 0, count: 2 * terms * xs.count)
      for (i, x) in xs.enumerated() {
        let w = density(x)
        for (c, term) in Integral.normalTerms(F: v[i], D: dv[i], x: x).enumerated() { out[c * xs.count + i] = term * w }
        for (c, radius) in Integral.normalTermRadii(F: v[i], rF: r[i], D: dv[i], rD: dr[i], x: x).enumerated() {
          out[(terms + c) * xs.count + i] = radius * w
        }
      }
      return out
    }
    /// The component of one of `Integral.normal` in `normal`.
    func component(_ integral: Integral) -> Int { Integral.normal.firstIndex(of: integral) ?? 0 }
    // Rayleigh density w exp(-w^2 / 2) on w >= 0.
    let weibull = GaussKronrod.integrate(
      from: 0, to: R, components: 2, panels: 20, refining: 1, minimumWidth: minimumWidth, checkedEnds: (false, true),
      budget: budget
    ) { ws in
      let plus = evaluate(ws.map { mu + sigma * $0 })
      let minus = evaluate(ws.map { mu - sigma * $0 })
      let terms = ws.indices.map { i in
        (plus.values[i] - minus.values[i]) * (plus.values[i] - minus.values[i]) * ws[i]
          * Double.exp(-0.5 * ws[i] * ws[i])
      }
      let radii = ws.indices.map { i in
        CompiledExpression.squareRadius(plus.values[i] - minus.values[i], plus.radii[i] + minus.radii[i]) * ws[i]
          * Double.exp(-0.5 * ws[i] * ws[i])
      }
      return terms + radii
    }
    // Double-sided Maxwell density m^2 phi(m), and inside it U uniform on [0, 1]:
    // component 0 the value, component 1 the inner integrals' error estimates,
    // component 2 their rounding radii.
    // An inner integral needs only the accuracy its weight makes count: the
    // whole is at most 2 E[F(M)^2] + 2 E[F(MU)^2] = 2 (E[F^2 x^2] + E[F^2]), and
    // inner errors below 1e-12 of that over the range's length, divided by the
    // weight, add up to no more than 1e-12 of it.
    let scale = 2 * (abs(normal.values[component(.f2x2)]) + abs(normal.values[component(.f2)]))
    var innerFailure: Estimate.Failure.Reason?
    // The outer tolerance is looser than the inner ones: halving outer panels to
    // chase the inner integrals' rounding would spend the budget for nothing.
    let maxwell = GaussKronrod.integrate(
      from: -R, to: R, components: 3, panels: 40, refining: 1, relativeTolerance: 1e-10, minimumWidth: minimumWidth,
      checkedEnds: (true, true), budget: budget
    ) { ms in
      var out = [Double](repeating: 0, count: 3 * ms.count)
      for (i, m) in ms.enumerated() {
        let weight = m * m * density(m)
        let outer = evaluate([mu + sigma * m])
        let (outerValue, outerRadius) = (outer.values[0], outer.radii[0])
        let inner = GaussKronrod.integrate(
          from: 0, to: 1, components: 2, panels: 1, refining: 1,
          absoluteTolerance: 1e-12 * scale / (2 * R * max(weight, 1e-300)), minimumWidth: 1e-12, budget: budget
        ) { us in
          let at = evaluate(us.map { mu + sigma * m * $0 })
          return at.values.map { (outerValue - $0) * (outerValue - $0) }
            + us.indices.map { CompiledExpression.squareRadius(outerValue - at.values[$0], outerRadius + at.radii[$0]) }
        }
        if innerFailure == nil, case .diverges(let u)? = inner.failures[0] {
          innerFailure = .diverges(near: mu + sigma * m * u)
        }
        out[i] = inner.values[0] * weight
        out[ms.count + i] = inner.errors[0] * weight
        out[2 * ms.count + i] = inner.values[1] * weight
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
    // What rounding in f can do to an integral: its radius integral, or no bound at all.
    func rounding(_ result: GaussKronrod.Result, _ c: Int) -> Double {
      unboundedRounding ? .infinity : abs(result.values[c]) + result.errors[c]
    }
    func normalEstimate(_ integral: Integral) -> Estimate {
      var result = estimate(normal, component(integral), integral, domain: integral.needsDerivative ? ofD : ofF)
      result.error += rounding(normal, terms + component(integral))
      return result
    }
    (f, f2, fx, fx2, f2x2) = (
      normalEstimate(.f), normalEstimate(.f2), normalEstimate(.fx), normalEstimate(.fx2), normalEstimate(.f2x2)
    )
    (fScaleScore2, f2ScaleScore2) = (normalEstimate(.fScaleScore2), normalEstimate(.f2ScaleScore2))
    (fp, fp2, fpx, fpx2, fp2x2) = (
      normalEstimate(.fp), normalEstimate(.fp2), normalEstimate(.fpx), normalEstimate(.fpx2), normalEstimate(.fp2x2)
    )
    weibullDifference2 = estimate(weibull, 0, .weibull, domain: ofF)
    weibullDifference2.error += rounding(weibull, 1)
    maxwellDifference2 = estimate(maxwell, 0, .maxwell, domain: ofF ?? innerFailure)
    maxwellDifference2.error += maxwell.values[1] + rounding(maxwell, 2)
  }

}
