import RealModule
import Testing

@testable import Probability

/// The rounding radii of CompiledExpression against a different evaluation:
/// the expression tree walked in Float80, with 11 more bits than Double, so its
/// own error is about 2^-11 of the Double's.
struct RoundingRadiusTests {
  /// f, f', and their radii at one z, through the batch API the sampler uses.
  static func evaluate(_ f: CompiledExpression, at z: Double) -> (
    value: Double, derivative: Double, valueRadius: Double, derivativeRadius: Double
  ) {
    var (value, derivative, valueRadius, derivativeRadius) = ([0.0], [0.0], [0.0], [0.0])
    let workspace = CompiledExpression.Workspace(for: f, capacity: 1)
    [z].withUnsafeBufferPointer { input in
      value.withUnsafeMutableBufferPointer { v in
        derivative.withUnsafeMutableBufferPointer { d in
          valueRadius.withUnsafeMutableBufferPointer { r in
            derivativeRadius.withUnsafeMutableBufferPointer { s in
              f.evaluate(
                input, value: v, derivative: d, radii: CompiledExpression.RoundingRadii(value: r, derivative: s),
                workspace: workspace)
            }
          }
        }
      }
    }
    return (value[0], derivative[0], valueRadius[0], derivativeRadius[0])
  }

  static func compile(_ text: String) throws -> CompiledExpression {
    try CompiledExpression(try Expression(parsing: text), parameters: [:])
  }

  #if arch(x86_64) || arch(i386)
    /// The value and derivative by forward-mode dual numbers in Float80, node by node.
    static func reference(_ node: Expression.Node, at z: Float80) -> (value: Float80, derivative: Float80) {
      switch node {
      case .number(let c): return (Float80(c), 0)
      case .z: return (z, 1)
      case .parameter: return (.nan, .nan)
      case .negate(let a):
        let (v, d) = reference(a, at: z)
        return (-v, -d)
      case .binary(let op, let a, let b):
        let ((x, dx), (y, dy)) = (reference(a, at: z), reference(b, at: z))
        switch op {
        case .add: return (x + y, dx + dy)
        case .subtract: return (x - y, dx - dy)
        case .multiply: return (x * y, dx * y + x * dy)
        case .divide: return (x / y, (dx * y - x * dy) / (y * y))
        case .power:
          // Whole exponents as repeated products (right for a negative base), else exp(y log x).
          if y == y.rounded(.towardZero) && abs(y) <= 64 && dy == 0 {
            var p: Float80 = 1
            for _ in 0..<Int(abs(y)) { p *= x }
            var below: Float80 = 1
            for _ in 0..<max(0, Int(abs(y)) - 1) { below *= x }
            if y < 0 { (p, below) = (1 / p, 1 / (below * x * x)) }
            return (p, dx == 0 ? 0 : y * below * dx)
          }
          let value = Float80.pow(x, y)
          return (value, (dx == 0 ? 0 : y * Float80.pow(x, y - 1) * dx) + (dy == 0 ? 0 : value * Float80.log(x) * dy))
        }
      case .call(let function, let a):
        let (u, du) = reference(a, at: z)
        let (value, slope): (Float80, Float80)
        switch function {
        case .exp: (value, slope) = (Float80.exp(u), Float80.exp(u))
        case .log: (value, slope) = (Float80.log(u), 1 / u)
        case .sqrt: (value, slope) = (u.squareRoot(), 1 / (2 * u.squareRoot()))
        case .sin: (value, slope) = (Float80.sin(u), Float80.cos(u))
        case .cos: (value, slope) = (Float80.cos(u), -Float80.sin(u))
        case .tanh: (value, slope) = (Float80.tanh(u), 1 - Float80.tanh(u) * Float80.tanh(u))
        case .abs: (value, slope) = (abs(u), u > 0 ? 1 : (u < 0 ? -1 : 0))
        case .sigmoid:
          let s = 1 / (1 + Float80.exp(-u))
          (value, slope) = (s, s * (1 - s))
        case .softplus:
          (value, slope) = (max(u, 0) + Float80.log(onePlus: Float80.exp(-abs(u))), 1 / (1 + Float80.exp(-u)))
        }
        return (value, du == 0 ? 0 : slope * du)
      }
    }

    /// Random expressions over z, with constants that make cancellation likely
    /// (1e12 beside values near 1), from a fixed seed.
    static func randomExpression(_ generator: inout Xoshiro256StarStar, depth: Int) -> String {
      let leaves = ["z", "z", "3", "0.1", "1e12", "7", "2.5"]
      if depth == 0 || generator.next() % 4 == 0 { return leaves[Int(generator.next() % UInt64(leaves.count))] }
      let (a, b) = (randomExpression(&generator, depth: depth - 1), randomExpression(&generator, depth: depth - 1))
      switch generator.next() % 12 {
      case 0: return "(\(a) + \(b))"
      case 1: return "(\(a) - \(b))"
      case 2: return "(\(a) * \(b))"
      case 3: return "(\(a) / \(b))"
      case 4: return "(\(a))^\(["2", "3", "-1", "5", "0.5"][Int(generator.next() % 5)])"
      case 5: return "(z + \(a) - \(a))"
      default:
        let functions = ["exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "sigmoid", "softplus"]
        let function = functions[Int(generator.next() % UInt64(functions.count))]
        // exp of a large argument overflows; keep its argument small.
        return function == "exp" ? "exp(sin(\(a)))" : "\(function)(\(a))"
      }
    }

    /// Every radius holds the Double's distance from the Float80 reference (whose own
    /// error is allowed for as 1/64 of the radius plus a few Float80 units), over
    /// 3000 random expressions at 6 points each.
    @Test func radiiHoldTheErrorAgainstFloat80() throws {
      var generator = Xoshiro256StarStar(seed: 2026)
      var (checked, positive) = (0, 0)
      for _ in 0..<3000 {
        let text = Self.randomExpression(&generator, depth: 4)
        let expression = try Expression(parsing: text)
        let f = try CompiledExpression(expression, parameters: [:])
        for z in [-2.75, -0.5, 0.3, 1, 1.7, 3.25] {
          let computed = Self.evaluate(f, at: z)
          let exact = Self.reference(expression.root, at: Float80(z))
          for (value, radius, truth, name) in [
            (computed.value, computed.valueRadius, exact.value, "value"),
            (computed.derivative, computed.derivativeRadius, exact.derivative, "derivative"),
          ] {
            guard value.isFinite, truth.isFinite, abs(truth) < 1e300, radius.isFinite else { continue }
            let error = abs(Float80(value) - truth)
            let allowance = Float80(radius) * (1 + 1.0 / 64) + 16 * Float80.ulpOfOne * max(1, abs(truth))
            #expect(error <= allowance, "\(text) at z = \(z): \(name) \(value), Float80 \(truth), radius \(radius)")
            checked += 1
            if radius > 0 { positive += 1 }
          }
        }
      }
      // Most pairs are finite; and the radii are not all zero (rounding happened).
      #expect(checked > 15_000)
      #expect(positive > checked / 2)
    }
  #endif

  /// Radii where the error is known: z lost in the rounding of a large constant
  /// (exactly |z| for (z + 1e17) - 1e17), operations on integers that fit (none),
  /// and a tight bound where the computation is merely rounded.
  @Test(arguments: [
    ("(z + 1e17) - 1e17", 3.0, 3.0, 3.0),
    ("(z + 1e17) - 1e17", -1.25, 1.25, 1.25),
    ("sin(z) + 1e17", 1.0, Double.sin(1), 1.0),
    ("7^17 + z", 2.0, 0, 0),
    ("z^2 - 4 * z", 3.0, 0, 0),
    ("(z - 1)^-1", 3.0, 0, 0),
  ])
  func radiiWhereTheErrorIsKnown(text: String, z: Double, atLeast: Double, atMost: Double) throws {
    let radius = Self.evaluate(try Self.compile(text), at: z).valueRadius
    #expect(radius >= atLeast && radius <= atMost + 1e-15, "\(text) at \(z): \(radius)")
  }

  /// The derivative's radius: z^2 after z is lost gives 2 (z + 1e17 - 1e17), off by 2 |z|.
  @Test func theDerivativeRadiusCountsALostZ() throws {
    let f = try Self.compile("((z + 1e17) - 1e17)^2")
    let at3 = Self.evaluate(f, at: 3)
    #expect(at3.value == 0 && at3.derivative == 0)
    #expect(at3.valueRadius >= 9 && at3.derivativeRadius >= 6)
    // And nothing is lost for a polynomial evaluated on small integers.
    let plain = Self.evaluate(try Self.compile("(z - 1)^3 * z"), at: 3)
    #expect(plain.valueRadius == 0 && plain.derivativeRadius == 0)
  }

  /// A ball that reaches a pole has no bound: log and division by a quantity lost in rounding.
  @Test func aBallAtAPoleIsUnbounded() throws {
    // 0.75 is lost, so the computed -0.5 (or 0.5) stands for 0.25 (or 1.25): the ball [-1.25, 0.25] holds 0.
    #expect(Self.evaluate(try Self.compile("1 / ((z + 1e17) - 1e17 - 0.5)"), at: 0.75).valueRadius == .infinity)
    #expect(Self.evaluate(try Self.compile("log((z + 1e17) - 1e17 + 0.5)"), at: 0.75).valueRadius == .infinity)
    // Clear of the pole, a finite bound: 1 / 0.5 with the ball [0.25, 0.75] for 0.5.
    let clear = Self.evaluate(try Self.compile("1 / ((z + 1e17) - 1e17 + 0.5)"), at: 0.25)
    #expect(clear.value == 2 && clear.valueRadius >= 2 && clear.valueRadius <= 2 + 1e-15)
  }

  /// The quadrature's error bounds hold f's rounding: with f = sin(z) + 1e17 every
  /// f(z) is 1e17, so E[F eps] integrates to 0, and its bound must reach the true
  /// E[sin(z) eps] = E[cos z] = e^-1/2; the gradient comes from E[f'], which is exact.
  @Test func theQuadratureBoundsHoldFsRounding() throws {
    let problem = GradientProblem(f: try Self.compile("sin(z) + 1e17"), polynomial: nil, mu: 0, sigma: 1)
    let exact = try GradientExpectations(problem)
    #expect(abs(exact.fx.value) + exact.fx.error >= Double.exp(-0.5))
    let gradient = exact.gradient(.mu, sigma: 1)
    #expect(abs(gradient.value - Double.exp(-0.5)) <= gradient.error + 1e-12 && gradient.error < 1e-9)
    // sin(z) alone keeps bounds at rounding's size.
    let plain = try GradientExpectations(
      GradientProblem(f: try Self.compile("sin(z)"), polynomial: nil, mu: 0, sigma: 1))
    #expect(plain.fx.error < 1e-12 && plain.f2x2.error < 1e-12)
  }

  /// The sampler's rounding bound: none for a polynomial on exactly representable
  /// draws' worth of rounding, and about E|x| |f's lost part| when f = sin(z) + 1e17.
  @Test func theSamplerBoundsWhatRoundingDidToEachEstimator() throws {
    let lost = GradientProblem(f: try Self.compile("sin(z) + 1e17"), polynomial: nil, mu: 0, sigma: 1)
    var generator = Xoshiro256StarStar(seed: 5)
    let draws = try lost.sample(count: 20_000, baseline: .mean, using: &generator)
    // score+baseline's draws are all 0 in doubles; their exact values are (sin z - mean) x,
    // so the bound must reach the exact mean, E[sin(z) x] = E[cos z] = e^-1/2 = 0.607.
    let baseline = try #require(draws[.scoreWithBaseline]?[.mu])
    #expect(baseline.moments.mean == 0)
    #expect(baseline.rounding.meanShift >= 0.607)
    // Pathwise differentiates sin exactly: its bound is rounding-small.
    let pathwise = try #require(draws[.pathwise]?[.mu])
    #expect(pathwise.rounding.meanShift < 1e-15)
    #expect(abs(pathwise.moments.mean - Double.exp(-0.5)) < 0.02)
  }
}
