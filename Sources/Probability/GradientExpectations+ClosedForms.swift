/// The expectations of a polynomial f, in closed form from the moments of the
/// normal, Rayleigh and Maxwell distributions.
extension GradientExpectations {
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
}
