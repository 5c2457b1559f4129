import RealModule

/// A computed number with a bound on its error, or the reason it has no
/// trustworthy value: the integral it comes from diverges, or its integrand is
/// not defined or not finite where the distribution has mass.
///
/// Arithmetic carries the bounds to first order plus the product of the
/// errors and one rounding of the result (Higham, "Accuracy and Stability of
/// Numerical Algorithms", 2nd ed., SIAM 2002, section 2.2):
///
///     |(a + b) - (A + B)| <= ea + eb + u |a + b|
///     |a b - A B|         <= |a| eb + |b| ea + ea eb + u |a b|
///
/// and the first failure of an operand.
public struct Estimate: Sendable, Equatable, CustomStringConvertible {
  public var value: Double
  /// A bound on |value - the true value|.
  public var error: Double
  public var failure: Failure?

  /// Why a value could not be computed: which integral, and what went wrong.
  public struct Failure: Sendable, Equatable, CustomStringConvertible {
    /// The integral in words, e.g. `E[f'(z)^2]`.
    public var integral: String
    public var reason: Reason

    public enum Reason: Sendable, Equatable {
      /// The integral diverges near this z.
      case diverges(near: Double)
      /// f (or f') is NaN at this z, where z has positive density.
      case undefined(at: Double)
      /// f (or f') is infinite or beyond `GradientProblem.largestValue` at this z.
      case tooLarge(at: Double)
      /// The integrand has not decayed `GradientExpectations.range` standard deviations out.
      case tail
    }

    public init(integral: String, reason: Reason) {
      self.integral = integral
      self.reason = reason
    }

    public var description: String {
      let function = integral.contains("f'") ? "f'" : "f"
      return switch reason {
      case .diverges(let z): "\(integral) diverges near z = \(Estimate.shortest(z))"
      case .undefined(let z):
        "\(integral) does not exist: \(function) is undefined at z = \(Estimate.shortest(z)), where z has positive density"
      case .tooLarge(let z):
        "\(integral) cannot be computed: \(function) is infinite or beyond 1e100 at z = \(Estimate.shortest(z))"
      case .tail:
        "\(integral) may not exist: its integrand has not decayed \(Estimate.shortest(GradientExpectations.range)) standard deviations from the mean"
      }
    }

    /// True when the integral is +infinity for sure: a divergent integral of a
    /// positive integrand (a second moment), as opposed to one with no value at all.
    public var isDivergence: Bool { if case .diverges = reason { true } else { false } }
  }

  public init(_ value: Double, error: Double = 0, failure: Failure? = nil) {
    self.value = value
    self.error = error
    self.failure = failure
  }

  /// Unit roundoff of Double, 2^-53.
  static let unitRoundoff = Double.ulpOfOne / 2

  public static func + (a: Estimate, b: Estimate) -> Estimate {
    let sum = a.value + b.value
    return Estimate(sum, error: a.error + b.error + unitRoundoff * abs(sum), failure: a.failure ?? b.failure)
  }

  public static prefix func - (a: Estimate) -> Estimate { Estimate(-a.value, error: a.error, failure: a.failure) }

  public static func - (a: Estimate, b: Estimate) -> Estimate { a + -b }

  public static func * (a: Estimate, b: Estimate) -> Estimate {
    let product = a.value * b.value
    return Estimate(
      product,
      error: abs(a.value) * b.error + abs(b.value) * a.error + a.error * b.error + unitRoundoff * abs(product),
      failure: a.failure ?? b.failure)
  }

  /// A plain number is taken as correctly rounded: within u |a| of the value it stands for.
  public static func * (a: Double, b: Estimate) -> Estimate { Estimate(a, error: unitRoundoff * abs(a)) * b }

  public static func / (a: Estimate, b: Double) -> Estimate {
    a * Estimate(1 / b, error: unitRoundoff * abs(1 / b))
  }

  public var description: String {
    failure.map { "\($0)" } ?? "\(value) +- \(error)"
  }

  /// Whether the value is known to within `tolerance`.
  public func isWithin(_ tolerance: Double) -> Bool { failure == nil && value.isFinite && error <= tolerance }

  /// `0.5`, `700`, `-1000000.0`: six significant digits at most (and none below
  /// 1e-6), enough to name a point.
  static func shortest(_ value: Double) -> String {
    let digits = Double.log10(max(1, abs(value))).rounded(.down)
    let step = Double.pow(10, digits - 5) / (digits < 1 ? 10 : 1)
    // Dividing by a whole scale rounds correctly (0.3, not 0.30000000000000004); + 0 turns -0 into 0.
    let scale = (1 / step).rounded()
    let rounded = (step < 1 ? (value * scale).rounded() / scale : (value / step).rounded() * step) + 0
    let text = "\(rounded)"
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
  }
}
