import RealModule
import Testing

@testable import Probability

/// The quadrature's bounds and diagnoses: it stops within its budget, on Ctrl-C,
/// and says when an integral diverges, has a tail it cannot see, or is fine.
struct QuadratureLimitsTests {
  @Test func aNonIntegrableSingularityIsReportedWhereItIs() {
    // 1/|x| and 1/x^2 on [-1, 1] diverge at 0; |x|^(-1/2) does not (its integral is 4).
    let result = GaussKronrod.integrate(from: -1, to: 1, components: 3, panels: 2) { xs in
      xs.map { 1 / abs($0) } + xs.map { 1 / ($0 * $0) } + xs.map { 1 / abs($0).squareRoot() }
    }
    for c in [0, 1] {
      guard case .diverges(let x)? = result.failures[c] else {
        Issue.record("component \(c): \(String(describing: result.failures[c]))")
        continue
      }
      #expect(abs(x) < 1e-9)
    }
    #expect(result.failures[2] == nil)
    #expect(abs(result.values[2] - 4) <= result.errors[2])
    #expect(result.errors[2] < 1e-4)
  }

  @Test func aSingularityOffTheGridIsFoundToo() {
    // 1/(x - 0.3)^2 on [-1, 1], where 0.3 is no panel's end.
    let result = GaussKronrod.integrate(from: -1, to: 1, components: 1, panels: 3) { xs in
      xs.map { 1 / (($0 - 0.3) * ($0 - 0.3)) }
    }
    guard case .diverges(let x)? = result.failures[0] else {
      Issue.record("\(String(describing: result.failures[0]))")
      return
    }
    #expect(abs(x - 0.3) < 1e-9)
  }

  @Test func anIntegrandThatHasNotDecayedAtTheEndsIsATail() {
    // exp(x^2 / 2) phi(x) = 1 / sqrt(2 pi): the integral over the line diverges.
    let flat = GaussKronrod.integrate(from: -20, to: 20, components: 1, panels: 40, checkedEnds: (true, true)) { xs in
      xs.map { _ in 1 / (2 * Double.pi).squareRoot() }
    }
    #expect(flat.failures[0] == .tail)
    let gaussian = GaussKronrod.integrate(from: -20, to: 20, components: 1, panels: 40, checkedEnds: (true, true)) {
      xs in xs.map { Double.exp(-0.5 * $0 * $0) / (2 * Double.pi).squareRoot() }
    }
    #expect(gaussian.failures[0] == nil)
    #expect(abs(gaussian.values[0] - 1) <= gaussian.errors[0])
  }

  /// sin(1e6 x) cannot be resolved by any affordable number of panels: the
  /// budget stops the work, and the error estimate says the value is not known.
  @Test func theBudgetBoundsTheWork() {
    let budget = GaussKronrod.Budget(GaussKronrod.Limits(panels: 500, seconds: 60))
    let result = GaussKronrod.integrate(from: -20, to: 20, components: 1, panels: 40, budget: budget) { xs in
      xs.map { Double.sin(1e6 * $0) * Double.exp(-0.5 * $0 * $0) }
    }
    #expect(budget.stop == .panelLimit(500))
    #expect(budget.panelsLeft >= -1)
    #expect(result.errors[0] > 1e-3)
  }

  @Test func ctrlCStopsTheWork() {
    nonisolated(unsafe) var calls = 0
    let budget = GaussKronrod.Budget(shouldStop: {
      calls += 1
      return calls > 10
    })
    _ = GaussKronrod.integrate(from: -20, to: 20, components: 1, panels: 40, budget: budget) { xs in
      xs.map { Double.sin(1e6 * $0) }
    }
    #expect(budget.stop == .interrupted)
    #expect(budget.panelsLeft >= GaussKronrod.Limits.standard.panels - 60)
    // A later integral of the same work is not started, and claims no accuracy.
    var evaluated = false
    let later = GaussKronrod.integrate(from: 0, to: 1, components: 2, budget: budget) { xs in
      evaluated = true
      return xs + xs
    }
    #expect(!evaluated)
    #expect(later.errors == [.infinity, .infinity])
  }

  /// Integrals that converge in their first pass never poll Ctrl-C while they
  /// refine; the next integral still sees it before it starts, even when the
  /// budget had already stopped refining for another reason.
  @Test(arguments: [false, true])
  func ctrlCBetweenIntegralsStopsTheNext(afterThePanelLimit: Bool) {
    nonisolated(unsafe) var pressed = false
    let budget = GaussKronrod.Budget(
      GaussKronrod.Limits(panels: afterThePanelLimit ? 10 : 60_000, seconds: 60), shouldStop: { pressed })
    let first = GaussKronrod.integrate(from: 0, to: 1, components: 1, panels: 16, budget: budget) { xs in
      xs.map { afterThePanelLimit ? Double.sin(1e6 * $0) : $0 * $0 }
    }
    #expect(budget.stop == (afterThePanelLimit ? .panelLimit(10) : .converged))
    if !afterThePanelLimit { #expect(abs(first.values[0] - 1.0 / 3) < 1e-15) }
    pressed = true
    var evaluated = false
    let second = GaussKronrod.integrate(from: 0, to: 1, components: 1, panels: 1, budget: budget) { xs in
      evaluated = true
      return xs
    }
    #expect(!evaluated)
    #expect(budget.stop == .interrupted)
    #expect(second.errors == [.infinity])
  }
}

/// Exact values that do not exist are refused with the reason; those that do
/// are right within their error bounds, checked against closed forms.
struct ExactValueExistenceTests {
  func expectations(_ text: String, mu: Double, sigma: Double, shouldStop: @escaping () -> Bool = { false }) throws
    -> (GradientExpectations, GradientProblem)
  {
    let expression = try Expression(parsing: text)
    let problem = GradientProblem(
      f: try CompiledExpression(expression, parameters: [:]), polynomial: expression.polynomial(parameters: [:]),
      mu: mu, sigma: sigma)
    return (try GradientExpectations(problem, budget: GaussKronrod.Budget(shouldStop: shouldStop)), problem)
  }

  @Test func oneOverZHasNoExpectation() throws {
    for mu in [0.0, 1.5] {
      let (exact, _) = try expectations("1/z", mu: mu, sigma: 1)
      guard case .diverges(let z)? = exact.mean.failure?.reason else {
        Issue.record("mu = \(mu): \(exact.mean)")
        continue
      }
      #expect(abs(z) < 1e-9)
      #expect(exact.mean.failure?.description == "E[f(z)] diverges near z = 0")
    }
  }

  @Test(arguments: ["log(z)", "z^(-0.5)", "z^z^z", "sqrt(z)"])
  func undefinedWhereZHasMass(text: String) throws {
    let (exact, _) = try expectations(text, mu: 1, sigma: 1)
    guard case .undefined(let z)? = exact.mean.failure?.reason else {
      Issue.record("\(text): \(exact.mean)")
      return
    }
    // The undefined point nearest the mean is reported.
    #expect(z < 0 && z > -0.1, "\(z)")
  }

  /// sqrt|z|: the gradient exists, but f'^2 ~ 1/(4|z|) is not integrable at 0,
  /// so the pathwise variance for mu is infinite. E[sqrt|z|] = sigma^(1/2)
  /// 2^(1/4) Gamma(3/4) / sqrt(pi), so d/dsigma = E[sqrt|z|] / (2 sigma).
  @Test func pathwiseVarianceCanBeInfinite() throws {
    let (exact, problem) = try expectations("sqrt(abs(z))", mu: 0, sigma: 1)
    let infinite = exact.variance(.pathwise, .mu, baseline: .none, problem: problem)
    #expect(infinite.value == .infinity)
    #expect(infinite.failure?.description == "E[f'(z)^2] diverges near z = 0")
    let gradient = exact.gradient(.sigma, sigma: 1)
    let truth = Double.pow(2, 0.25) * Double.gamma(0.75) / Double.pi.squareRoot() / 2
    #expect(abs(gradient.value - truth) <= gradient.error)
    #expect(gradient.error < 1e-6)
    #expect(exact.variance(.score, .mu, baseline: .none, problem: problem).failure == nil)
  }

  /// At mu = 1e6 the arguments of f carry rounding of 1e-10; the values are
  /// still right: E[sin z] = sin(mu) exp(-sigma^2 / 2) (the characteristic
  /// function), so d/dmu = cos(mu) exp(-1/2).
  @Test func largeMeansStayAccurate() throws {
    let (exact, _) = try expectations("sin(z)", mu: 1e6, sigma: 1)
    let gradient = exact.gradient(.mu, sigma: 1)
    #expect(abs(gradient.value - Double.cos(1e6) * Double.exp(-0.5)) <= gradient.error)
    #expect(gradient.error < 1e-8)
    // f = z + 1: the score variance for mu is (mu + 1)^2 + 3 sigma^2 - 1, without cancellation.
    let (shifted, shiftedProblem) = try expectations("z + exp(0)", mu: 1e6, sigma: 1)
    let score = shifted.variance(.score, .mu, baseline: .none, problem: shiftedProblem)
    #expect(abs(score.value - 1_000_002_000_003) <= score.error)
    #expect(score.error < 1)
    let baseline = shifted.variance(.scoreWithBaseline, .mu, baseline: .mean, problem: shiftedProblem)
    #expect(abs(baseline.value - 2) <= baseline.error)
    #expect(baseline.error < 1e-6)
  }

  /// A closed form at mu = 1e6: E[(2 sigma x)^2] = 4 exactly, although E[f'^2] is 4e12 + 4.
  @Test func closedFormsAtLargeMeans() throws {
    let (exact, problem) = try expectations("z^2", mu: 1e6, sigma: 1)
    let pathwise = exact.variance(.pathwise, .mu, baseline: .none, problem: problem)
    #expect(abs(pathwise.value - 4) <= pathwise.error)
    #expect(pathwise.error < 1e-9)
  }

  /// |z|^-a is integrable for a < 1: not called divergent. E|z|^-a = 2^(-a/2)
  /// Gamma((1 - a)/2) / sqrt(pi); 3.278 for a = 0.75.
  @Test(arguments: [0.4, 0.75])
  func integrableSingularitiesAreNotDivergent(a: Double) throws {
    let (exact, _) = try expectations("1/abs(z)^\(a)", mu: 0, sigma: 1)
    let truth = Double.pow(2, -a / 2) * Double.gamma((1 - a) / 2) / Double.pi.squareRoot()
    #expect(exact.mean.failure == nil, "\(exact.mean)")
    #expect(abs(exact.mean.value - truth) <= max(exact.mean.error, 1e-3 * truth), "\(exact.mean) vs \(truth)")
  }

  /// In one dimension the other coordinates' spread is no term at all: a failure
  /// of E[f^2] cannot make the score variance infinite through it. For
  /// f = |z|^-1/2 at mu = 0 the score variance for mu is E[f^2 x^2] = E|x| = sqrt(2/pi).
  @Test func anAbsentTermCarriesNoFailure() throws {
    let (exact, problem) = try expectations("1/abs(z)^0.5", mu: 0, sigma: 1)
    let score = exact.variance(.score, .mu, baseline: .none, problem: problem)
    #expect(score.failure == nil)
    #expect(abs(score.value - (2 / Double.pi).squareRoot()) <= max(score.error, 1e-3))
  }

  /// log|z|: f' = 1/z has no mean, but the gradient exists; the score identity
  /// gives it: d/dmu E[log|z|] at mu = 0.3 is 0.2912 (by mpmath).
  @Test func theScoreIdentityGivesGradientsWhereFPrimeHasNoMean() throws {
    let (exact, _) = try expectations("log(abs(z))", mu: 0.3, sigma: 1)
    let gradient = exact.gradient(.mu, sigma: 1)
    #expect(gradient.failure == nil)
    #expect(abs(gradient.value - 0.2912) < 1e-4)
  }

  @Test func largeWholePowersOfNegativeNumbersAreDefined() throws {
    let f = try CompiledExpression(try Expression(parsing: "z^65"), parameters: [:])
    #expect(f.evaluate(at: -2).value == -Double.pow(2, 65))
  }

  @Test func ctrlCThrows() throws {
    #expect(throws: Interrupted.self) { try expectations("cos(z)", mu: 0, sigma: 1, shouldStop: { true }) }
  }

  /// The hard cases of the issue finish within the standard budget (panels are
  /// counted, not seconds, so this does not depend on the machine).
  @Test func hardIntegrandsStayWithinTheBudget() throws {
    for (text, mu, sigma) in [("sin(z)", 0.0, 1e6), ("sigmoid(exp(z - 1e5))", 0, Double.exp(13.5))] {
      let expression = try Expression(parsing: text)
      let problem = GradientProblem(
        f: try CompiledExpression(expression, parameters: [:]), polynomial: nil, mu: mu, sigma: sigma)
      let budget = GaussKronrod.Budget()
      let exact = try GradientExpectations(problem, budget: budget)
      #expect(budget.panelsLeft > -2000, "\(text)")
      #expect(exact.mean.failure == nil, "\(text)")
    }
  }
}
