import RealModule
import Testing

@testable import Probability

struct ExpressionTests {
  func compile(_ text: String, _ parameters: [String: Double] = [:]) throws -> CompiledExpression {
    try CompiledExpression(try Expression(parsing: text), parameters: parameters)
  }

  /// An expression and the same formula written in Swift, with k = 3.
  struct Case: Sendable, CustomTestStringConvertible {
    let text: String
    let reference: @Sendable (Double) -> Double
    var testDescription: String { text }
  }

  static func everyFunction(_ z: Double) -> Double {
    let logistic: Double = 1 / (1 + Double.exp(-z))
    let softplus: Double = Double.log(1 + Double.exp(z))
    let rest: Double = Double.tanh(z) + abs(z) + (z * z + 1).squareRoot() + Double.log(z * z + 1) + Double.sin(z)
    return logistic + softplus + rest
  }

  static let cases: [Case] = [
    Case(text: "(z - k)^2", reference: { z in (z - 3) * (z - 3) }),
    Case(text: "exp(-k * z^2)", reference: { z in Double.exp(-3 * z * z) }),
    Case(text: "cos(k * z)", reference: { z in Double.cos(3 * z) }),
    Case(text: "-z^2 + 2^-1", reference: { z in -(z * z) + 0.5 }),
    Case(text: "2^3^2", reference: { _ in 512 }),
    Case(text: "1 - z - z", reference: { z in 1 - 2 * z }),
    Case(text: "8 / z / 2", reference: { z in 4 / z }),
    Case(
      text: "sigmoid(z) + softplus(z) + tanh(z) + abs(z) + sqrt(z * z + 1) + log(z^2 + 1) + sin(z)",
      reference: everyFunction),
  ]

  @Test(arguments: cases)
  func evaluatesLikeSwift(_ testCase: Case) throws {
    let f = try compile(testCase.text, ["k": 3])
    for z in [-2.5, -0.3, 0.7, 1.9] {
      #expect(
        f.evaluate(at: z).value.isApproximatelyEqual(to: testCase.reference(z), relativeTolerance: 1e-14),
        "\(testCase.text) at \(z)")
    }
  }

  /// Dual-number derivatives against central finite differences, (f(z+h) - f(z-h)) / 2h
  /// with h = 1e-5, whose error is O(h^2) f''' ~ 1e-9.
  @Test(arguments: [
    "(z - k)^2", "exp(-k * z^2)", "cos(k * z)", "z^3 / (1 + z^2)", "sigmoid(2 * z) * softplus(z)",
    "tanh(z) - sqrt(z^2 + 2)",
    "log(1 + z^2) * sin(z)", "abs(z - 0.1)", "2^z", "z^z", "(z - 3)^3", "(z - 4)^-2",
  ])
  func derivativesMatchFiniteDifferences(text: String) throws {
    let f = try compile(text, ["k": 1.5])
    let h = 1e-5
    for z in [0.3, 0.8, 1.7, 2.2] {
      let numeric = (f.evaluate(at: z + h).value - f.evaluate(at: z - h).value) / (2 * h)
      #expect(
        f.evaluate(at: z).derivative.isApproximatelyEqual(
          to: numeric, absoluteTolerance: 1e-7, relativeTolerance: 1e-7), "\(text) at \(z)")
    }
  }

  @Test func softplusAndSigmoidDoNotOverflow() throws {
    let f = try compile("softplus(z) + sigmoid(z)")
    #expect(f.evaluate(at: 1000).value == 1001)
    #expect(f.evaluate(at: -1000).value == 0)
    #expect(f.evaluate(at: 1000).derivative == 1)
  }

  @Test(arguments: [
    ("(z-3", "expected ')' to close the '(' at column 1", 4),
    ("z +", "the expression ends where a number, z, a name or '(' should follow", 3),
    ("z ** 2", "unexpected '*': expected a number, z, a name or '('", 3),
    ("2z", "write '*' for a product, as in 2 * z", 1),
    ("foo(z)", "unknown function 'foo'; the functions are exp, log, sqrt, sin, cos, tanh, abs, sigmoid, softplus", 0),
    ("exp + 1", "exp is a function: write exp(...)", 0),
    ("z)", "unmatched ')'", 1),
    ("", "the expression is empty", 0),
    ("z $ 2", "unexpected '$': expected an operator (+ - * / ^) or the end", 2),
    ("exp(z", "expected ')' to close exp(", 5),
  ])
  func syntaxErrorsPointAtTheColumn(text: String, message: String, column: Int) {
    #expect(throws: ExpressionError(message, column: column)) { try Expression(parsing: text) }
  }

  @Test func unknownParametersAreNamedAtTheirColumn() throws {
    let expression = try Expression(parsing: "(z - k)^2 + w * k")
    #expect(expression.parameters.map(\.name) == ["k", "w"])
    #expect(throws: ExpressionError("'w' has no value: give it as w=NUMBER", column: 12)) {
      try CompiledExpression(expression, parameters: ["k": 1])
    }
  }

  @Test func recognisesPolynomials() throws {
    let p = try Expression(parsing: "(z - k)^2 / 2 - 3 * z").polynomial(parameters: ["k": 1])
    #expect(p == Polynomial([0.5, -4, 0.5]))
    #expect(try Expression(parsing: "exp(z)").polynomial(parameters: [:]) == nil)
    #expect(try Expression(parsing: "z^0.5").polynomial(parameters: [:]) == nil)
    #expect(try Expression(parsing: "1 / z").polynomial(parameters: [:]) == nil)
    #expect(try Expression(parsing: "z^2 * z^2").polynomial(parameters: [:])?.degree == 4)
  }

  @Test func polynomialArithmetic() {
    let p = Polynomial([1, 2, 3])  // 1 + 2x + 3x^2
    #expect(p(2) == 17)
    #expect(p.derivative == Polynomial([2, 6]))
    #expect(p.substituting(1, plus: 2) == Polynomial([6, 16, 12]))  // p(1 + 2x)
    #expect(p.expectation(moments: { GradientExpectations.normalMoment($0) }) == 4)
  }
}

struct GaussKronrodTests {
  @Test func integratesPolynomialsExactly() {
    for k in 0...20 {
      let result = GaussKronrod.integrate(from: 0, to: 1, components: 1, panels: 1) { xs in
        xs.map { Double.pow($0, Double(k)) }
      }
      #expect(result.values[0].isApproximatelyEqual(to: 1 / Double(k + 1), relativeTolerance: 1e-14), "x^\(k)")
    }
  }

  @Test func integratesTheGaussianAndAKink() {
    let phi = { (x: Double) in Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }
    let result = GaussKronrod.integrate(from: -20, to: 20, components: 2, panels: 40) { xs in
      xs.map(phi) + xs.map { abs($0 - 0.3) * phi($0) }
    }
    #expect(result.values[0].isApproximatelyEqual(to: 1, relativeTolerance: 1e-13))
    // E|x - a| = 2 phi(a) + a (2 Phi(a) - 1).
    let a = 0.3
    let exact = 2 * phi(a) + a * (1 - Double.erfc(a / 2.0.squareRoot()))
    #expect(result.values[1].isApproximatelyEqual(to: exact, relativeTolerance: 1e-12))
  }

  @Test func momentsOfTheAuxiliaryDistributions() {
    // Rayleigh: E[W] = sqrt(pi/2), E[W^2] = 2; Maxwell: E[M^2] = 3, E[M^4] = 15.
    #expect(
      GradientExpectations.rayleighMoment(1).isApproximatelyEqual(
        to: (Double.pi / 2).squareRoot(), relativeTolerance: 1e-15))
    #expect(GradientExpectations.rayleighMoment(2) == 2)
    #expect(
      GradientExpectations.rayleighMoment(3).isApproximatelyEqual(
        to: 3 * (Double.pi / 2).squareRoot(), relativeTolerance: 1e-15))
    #expect(GradientExpectations.maxwellMoment(0) == 1)
    #expect(GradientExpectations.maxwellMoment(2) == 3)
    #expect(GradientExpectations.maxwellMoment(4) == 15)
  }
}

/// A long expression's workspace is capped (issue 9, defect 5: each term cost
/// about 1 MB), and a batch beyond its room is evaluated in slices with the
/// same values as point by point.
struct ExpressionWorkspaceTests {
  @Test func aLongExpressionGetsABoundedWorkspaceAndTheSameValues() throws {
    let text = (1...80).map { "sin(\($0)*z)" }.joined(separator: "+")
    let f = try CompiledExpression(try Expression(parsing: text), parameters: [:])
    let workspace = CompiledExpression.Workspace(for: f, capacity: 32_768)
    #expect((workspace.values.count + workspace.derivatives.count) * 8 <= CompiledExpression.Workspace.largestBytes)
    #expect(workspace.capacity < 8192)
    let z = (0..<8192).map { -3 + 6 * Double($0) / 8191 }
    var value = [Double](repeating: 0, count: z.count)
    var derivative = value
    z.withUnsafeBufferPointer { input in
      value.withUnsafeMutableBufferPointer { v in
        derivative.withUnsafeMutableBufferPointer { d in
          f.evaluate(input, value: v, derivative: d, workspace: workspace)
        }
      }
    }
    for index in stride(from: 0, to: z.count, by: 97) {
      let point = f.evaluate(at: z[index])
      #expect(value[index] == point.value && derivative[index] == point.derivative)
    }
  }
}
