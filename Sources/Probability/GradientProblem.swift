import RealModule

/// The gradient of F = E[sum_d f(z_d)] with respect to the parameters of the first
/// coordinate of z ~ N(mu, sigma^2 I) in `dimension` dimensions (every coordinate
/// has the same mu and sigma, so one coordinate stands for all).
///
/// With z = mu + sigma * x, x ~ N(0, 1) (Mohamed, Rosca, Figurnov and Mnih,
/// "Monte Carlo Gradient Estimation in Machine Learning", JMLR 21, 2020):
///
///     dF/dmu     = E[f'(z)]     = E[f(z) x] / sigma
///     dF/dsigma  = E[f'(z) x]   = E[f(z) (x^2 - 1)] / sigma
///     dF/dlogvar = (sigma / 2) dF/dsigma
public struct GradientProblem: Sendable {
  public enum Parameter: String, CaseIterable, Sendable {
    case mu, sigma, logvar
  }

  /// The estimators compared. Each is unbiased; their variances differ.
  public enum Estimator: String, CaseIterable, Sendable {
    /// Reparameterisation: f'(z) dz/dtheta, with dz/dmu = 1 and dz/dsigma = x (section 5).
    case pathwise
    /// Score function: f(z) d log q(z)/dtheta, with scores x / sigma and (x^2 - 1) / sigma (section 4).
    case score
    /// Score function with a baseline b: (f(z) - b) d log q(z)/dtheta (section 7.4).
    case scoreWithBaseline = "score+baseline"
    /// Measure-valued with coupling (section 6): for mu, c (f(mu + sigma W) - f(mu - sigma W)),
    /// c = 1 / (sigma sqrt(2 pi)), W ~ Rayleigh (Weibull(sqrt 2, 2)) shared by both terms;
    /// for sigma, (f(mu + sigma M) - f(mu + sigma M U)) / sigma with M double-sided
    /// Maxwell and U uniform, since M U ~ N(0, 1).
    case measureValued = "measure-valued"
  }

  /// One draw of each estimator, written plainly for one dimension: what the
  /// fused `sample` computes for a batch at a time, read in two lines each.
  /// The tests feed both the same draws and compare (GradientSamplingTests).
  public enum OneDraw {
    /// Pathwise: f'(z) dz/dtheta at z = mu + sigma x, where dz/dmu = 1 and dz/dsigma = x.
    public static func pathwise(_ f: CompiledExpression, mu: Double, sigma: Double, x: Double) -> (
      mu: Double, sigma: Double
    ) {
      let slope = f.evaluate(at: mu + sigma * x).derivative
      return (slope, slope * x)
    }

    /// Score function: (f(z) - b) d log q(z)/dtheta at z = mu + sigma x, where
    /// d log q/dmu = x / sigma and d log q/dsigma = (x^2 - 1) / sigma; b = 0
    /// is the plain score estimator, b != 0 the one with a baseline.
    public static func score(
      _ f: CompiledExpression, mu: Double, sigma: Double, x: Double, baseline b: Double = 0
    ) -> (mu: Double, sigma: Double) {
      let value = f.evaluate(at: mu + sigma * x).value - b
      return (value * x / sigma, value * (x * x - 1) / sigma)
    }

    /// Measure-valued with coupling: for mu, (f(mu + sigma w) - f(mu - sigma w)) / (sigma sqrt(2 pi))
    /// with w ~ Rayleigh; for sigma, (f(mu + sigma m) - f(mu + sigma m u)) / sigma with m
    /// double-sided Maxwell and u ~ Uniform(0, 1), so that m u ~ N(0, 1).
    public static func measureValued(
      _ f: CompiledExpression, mu: Double, sigma: Double, w: Double, m: Double, u: Double
    ) -> (mu: Double, sigma: Double) {
      let muTerm = (f.evaluate(at: mu + sigma * w).value - f.evaluate(at: mu - sigma * w).value)
      let sigmaTerm = (f.evaluate(at: mu + sigma * m).value - f.evaluate(at: mu + sigma * m * u).value)
      return (muTerm / (sigma * (2 * Double.pi).squareRoot()), sigmaTerm / sigma)
    }
  }

  /// The baseline of `score+baseline`: `mean` is the leave-one-out mean of the other
  /// draws' f (unbiased, as it does not depend on the draw it corrects);
  /// `optimal` is the constant minimising the variance, computed exactly.
  public enum Baseline: String, CaseIterable, Sendable {
    case none, mean, optimal
  }

  public var f: CompiledExpression
  /// f as a polynomial in z, when it is one: then every expectation has a closed form.
  public var polynomial: Polynomial?
  public var mu: Double
  public var sigma: Double
  public var dimension: Int

  public init(f: CompiledExpression, polynomial: Polynomial?, mu: Double, sigma: Double, dimension: Int = 1) {
    self.f = f
    self.polynomial = polynomial
    self.mu = mu
    self.sigma = sigma
    self.dimension = dimension
  }

  /// How a parameter's derivative relates to sigma's: logvar is sigma scaled by sigma / 2.
  func scale(for parameter: Parameter) -> Double { parameter == .logvar ? sigma / 2 : 1 }
}
