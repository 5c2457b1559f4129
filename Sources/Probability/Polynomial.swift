/// A polynomial in one variable, coefficients from the constant term up. Used to
/// recognise cost functions whose Gaussian expectations have closed forms.
public struct Polynomial: Equatable, Sendable {
  public var coefficients: [Double]

  public init(_ coefficients: [Double]) {
    var trimmed = coefficients
    while trimmed.count > 1 && trimmed.last == 0 { trimmed.removeLast() }
    self.coefficients = trimmed.isEmpty ? [0] : trimmed
  }

  public var degree: Int { coefficients.count - 1 }

  public static func + (a: Polynomial, b: Polynomial) -> Polynomial {
    Polynomial((0..<max(a.coefficients.count, b.coefficients.count)).map { a[$0] + b[$0] })
  }

  public static func * (a: Polynomial, b: Polynomial) -> Polynomial {
    var product = [Double](repeating: 0, count: a.coefficients.count + b.coefficients.count - 1)
    for (i, x) in a.coefficients.enumerated() {
      for (j, y) in b.coefficients.enumerated() { product[i + j] += x * y }
    }
    return Polynomial(product)
  }

  public static func * (c: Double, p: Polynomial) -> Polynomial { Polynomial(p.coefficients.map { c * $0 }) }

  subscript(_ power: Int) -> Double { power < coefficients.count ? coefficients[power] : 0 }

  public func power(_ exponent: Int) -> Polynomial {
    (0..<exponent).reduce(Polynomial([1])) { product, _ in product * self }
  }

  public var derivative: Polynomial {
    Polynomial(coefficients.count > 1 ? (1..<coefficients.count).map { Double($0) * coefficients[$0] } : [0])
  }

  public func callAsFunction(_ x: Double) -> Double { coefficients.reversed().reduce(0) { $0 * x + $1 } }

  /// p(a + b x) as a polynomial in x.
  public func substituting(_ a: Double, plus b: Double) -> Polynomial {
    coefficients.enumerated().reduce(Polynomial([0])) { sum, term in
      sum + term.element * Polynomial([a, b]).power(term.offset)
    }
  }

  /// E[p(X)] from the moments of X: sum of c_k E[X^k].
  public func expectation(moments: (Int) -> Double) -> Double {
    coefficients.enumerated().reduce(0) { $0 + ($1.element == 0 ? 0 : $1.element * moments($1.offset)) }
  }
}

extension Expression {
  /// The expression as a polynomial in z of degree at most `maximumDegree`, if it
  /// is one: numbers, z, parameters, + - *, division by constants and whole-number
  /// powers. Nil for anything with a function or a non-polynomial power.
  public func polynomial(parameters: [String: Double], maximumDegree: Int = 16) -> Polynomial? {
    func convert(_ node: Node) -> Polynomial? {
      switch node {
      case .number(let value): return Polynomial([value])
      case .z: return Polynomial([0, 1])
      case .parameter(let name, _): return parameters[name].map { Polynomial([$0]) }
      case .negate(let operand): return convert(operand).map { -1 * $0 }
      case .call: return nil
      case .binary(let op, let left, let right):
        guard let a = convert(left), let b = convert(right) else { return nil }
        let result: Polynomial
        switch op {
        case .add: result = a + b
        case .subtract: result = a + -1 * b
        case .multiply: result = a * b
        case .divide:
          guard b.degree == 0, b[0] != 0 else { return nil }
          result = (1 / b[0]) * a
        case .power:
          guard b.degree == 0, b[0] >= 0, b[0] == b[0].rounded(), b[0] <= Double(maximumDegree) else { return nil }
          result = a.power(Int(b[0]))
        }
        return result.degree <= maximumDegree ? result : nil
      }
    }
    return convert(root)
  }
}
