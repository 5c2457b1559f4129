import RealModule

/// An expression with its parameters bound, compiled to a straight-line program
/// over registers and evaluated a whole batch of z at a time, with its derivative
/// df/dz by forward-mode dual numbers: each instruction computes a value and a
/// derivative side by side. Dispatch happens once per instruction per batch, not
/// per sample, which keeps evaluation close to the cost of the arithmetic. On
/// request each register also carries a bound on how far rounding has moved its
/// value and derivative from exact arithmetic (CompiledExpression+Rounding).
public struct CompiledExpression: Sendable {
  enum Instruction: Sendable {
    case constant(Double)
    case z
    case negate(Int)
    case binary(Expression.Operator, Int, Int, exponentIsConstant: Bool)
    case call(Expression.Function, Int)
  }

  let instructions: [Instruction]
  /// Whether each register's derivative is identically zero (it does not depend on z).
  let isConstant: [Bool]

  /// Binds every parameter of `expression`; a parameter without a value is an error
  /// pointing at its first use.
  public init(_ expression: Expression, parameters: [String: Double]) throws(ExpressionError) {
    var instructions: [Instruction] = []
    var isConstant: [Bool] = []
    func emit(_ instruction: Instruction, constant: Bool) -> Int {
      instructions.append(instruction)
      isConstant.append(constant)
      return instructions.count - 1
    }
    func compile(_ node: Expression.Node) throws(ExpressionError) -> Int {
      switch node {
      case .number(let value): return emit(.constant(value), constant: true)
      case .z: return emit(.z, constant: false)
      case .parameter(let name, let column):
        guard let value = parameters[name] else {
          throw ExpressionError("'\(name)' has no value: give it as \(name)=NUMBER", column: column)
        }
        return emit(.constant(value), constant: true)
      case .negate(let operand):
        let register = try compile(operand)
        return emit(.negate(register), constant: isConstant[register])
      case .binary(let op, let left, let right):
        let (a, b) = (try compile(left), try compile(right))
        return emit(.binary(op, a, b, exponentIsConstant: isConstant[b]), constant: isConstant[a] && isConstant[b])
      case .call(let function, let operand):
        let register = try compile(operand)
        return emit(.call(function, register), constant: isConstant[register])
      }
    }
    _ = try compile(expression.root)
    self.instructions = instructions
    self.isConstant = isConstant
  }

  /// Scratch space for `evaluate`: a value, a derivative and their two rounding
  /// radii per register, for up to `capacity` points at a time.
  public final class Workspace {
    let capacity: Int
    var values: [Double]
    var derivatives: [Double]
    var valueRadii: [Double]
    var derivativeRadii: [Double]

    /// At most `largestBytes`: a long expression gets room for fewer points at a
    /// time (evaluate goes through a batch in slices), so its memory does not
    /// grow with its length times the batch.
    public static let largestBytes = 16 << 20

    /// Room for `capacity` points, or as many as fit in `largestBytes`.
    public init(for expression: CompiledExpression, capacity: Int) {
      let registers = expression.instructions.count
      self.capacity = max(1, min(capacity, Self.largestBytes / (4 * MemoryLayout<Double>.stride * registers)))
      values = Array(repeating: 0, count: registers * self.capacity)
      derivatives = values
      valueRadii = values
      derivativeRadii = values
    }
  }

  /// Where `evaluate` writes its rounding radii: for each point, bounds on
  /// |f computed - f exact| and |f' computed - f' exact|.
  public struct RoundingRadii {
    public var value: UnsafeMutableBufferPointer<Double>
    public var derivative: UnsafeMutableBufferPointer<Double>

    public init(value: UnsafeMutableBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
      self.value = value
      self.derivative = derivative
    }
  }

  /// f and df/dz at each of `z`, written to `value` and `derivative`, in slices
  /// of the workspace's capacity; with `radii`, also their rounding radii.
  public func evaluate(
    _ z: UnsafeBufferPointer<Double>, value: UnsafeMutableBufferPointer<Double>,
    derivative: UnsafeMutableBufferPointer<Double>, radii: RoundingRadii? = nil, workspace: Workspace
  ) {
    precondition(value.count >= z.count && derivative.count >= z.count, "output shorter than the input")
    precondition(radii.map { $0.value.count >= z.count && $0.derivative.count >= z.count } ?? true, "radii too short")
    for start in stride(from: 0, to: z.count, by: workspace.capacity) {
      let end = min(z.count, start + workspace.capacity)
      evaluateSlice(
        UnsafeBufferPointer(rebasing: z[start..<end]), value: UnsafeMutableBufferPointer(rebasing: value[start..<end]),
        derivative: UnsafeMutableBufferPointer(rebasing: derivative[start..<end]),
        radii: radii.map {
          RoundingRadii(
            value: UnsafeMutableBufferPointer(rebasing: $0.value[start..<end]),
            derivative: UnsafeMutableBufferPointer(rebasing: $0.derivative[start..<end]))
        }, workspace: workspace)
    }
  }

  /// `evaluate` for at most the workspace's capacity of points.
  private func evaluateSlice(
    _ z: UnsafeBufferPointer<Double>, value: UnsafeMutableBufferPointer<Double>,
    derivative: UnsafeMutableBufferPointer<Double>, radii: RoundingRadii?, workspace: Workspace
  ) {
    let count = z.count
    let capacity = workspace.capacity
    workspace.values.withUnsafeMutableBufferPointer { values in
      workspace.derivatives.withUnsafeMutableBufferPointer { derivatives in
        guard let v = values.baseAddress, let d = derivatives.baseAddress else { return }
        for (register, instruction) in instructions.enumerated() {
          let out = v + register * capacity
          let dOut = d + register * capacity
          switch instruction {
          case .constant(let c):
            for i in 0..<count {
              out[i] = c
              dOut[i] = 0
            }
          case .z:
            for i in 0..<count {
              out[i] = z[i]
              dOut[i] = 1
            }
          case .negate(let a):
            let (x, dx) = (v + a * capacity, d + a * capacity)
            for i in 0..<count {
              out[i] = -x[i]
              dOut[i] = -dx[i]
            }
          case .binary(let op, let a, let b, let exponentIsConstant):
            Self.binary(
              op, v + a * capacity, d + a * capacity, v + b * capacity, d + b * capacity, out, dOut, count,
              exponentIsConstant: exponentIsConstant)
          case .call(let function, let a):
            Self.call(function, v + a * capacity, d + a * capacity, out, dOut, count)
          }
        }
        let last = instructions.count - 1
        for i in 0..<count {
          value[i] = v[last * capacity + i]
          derivative[i] = d[last * capacity + i]
        }
        guard let radii else { return }
        workspace.valueRadii.withUnsafeMutableBufferPointer { valueRadii in
          workspace.derivativeRadii.withUnsafeMutableBufferPointer { derivativeRadii in
            guard let r = valueRadii.baseAddress, let s = derivativeRadii.baseAddress else { return }
            let registers = Registers(values: v, derivatives: d, valueRadii: r, derivativeRadii: s, capacity: capacity)
            for (register, instruction) in instructions.enumerated() {
              Self.propagateRadii(instruction, into: register, count: count, registers)
            }
            for i in 0..<count {
              radii.value[i] = r[last * capacity + i]
              radii.derivative[i] = s[last * capacity + i]
            }
          }
        }
      }
    }
  }

  /// Convenience for one point, used by tests and error messages.
  public func evaluate(at z: Double) -> (value: Double, derivative: Double) {
    let workspace = Workspace(for: self, capacity: 1)
    var value = [0.0]
    var derivative = [0.0]
    [z].withUnsafeBufferPointer { input in
      value.withUnsafeMutableBufferPointer { valueBuffer in
        derivative.withUnsafeMutableBufferPointer { derivativeBuffer in
          evaluate(input, value: valueBuffer, derivative: derivativeBuffer, workspace: workspace)
        }
      }
    }
    return (value[0], derivative[0])
  }

  // The rules of differentiation, forward and backward side by side:
  // (a + b)' = a' + b'; (a b)' = a' b + a b'; (a / b)' = (a' b - a b') / b^2;
  // (a^b)' = b a^(b-1) a' for constant b, else a^b (b' log a + b a' / a).
  private static func binary(
    _ op: Expression.Operator, _ x: UnsafeMutablePointer<Double>, _ dx: UnsafeMutablePointer<Double>,
    _ y: UnsafeMutablePointer<Double>, _ dy: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>,
    _ dOut: UnsafeMutablePointer<Double>, _ count: Int, exponentIsConstant: Bool
  ) {
    switch op {
    case .add:
      for i in 0..<count {
        out[i] = x[i] + y[i]
        dOut[i] = dx[i] + dy[i]
      }
    case .subtract:
      for i in 0..<count {
        out[i] = x[i] - y[i]
        dOut[i] = dx[i] - dy[i]
      }
    case .multiply:
      for i in 0..<count {
        out[i] = x[i] * y[i]
        dOut[i] = dx[i] * y[i] + x[i] * dy[i]
      }
    case .divide:
      for i in 0..<count {
        out[i] = x[i] / y[i]
        dOut[i] = (dx[i] * y[i] - x[i] * dy[i]) / (y[i] * y[i])
      }
    case .power where exponentIsConstant && count > 0 && y[0] == 2:
      // The commonest power, z^2, without the general loop.
      for i in 0..<count {
        out[i] = x[i] * x[i]
        dOut[i] = 2 * x[i] * dx[i]
      }
    case .power:
      for i in 0..<count {
        let value = power(x[i], y[i])
        out[i] = value
        // A constant base (dx = 0) contributes nothing, even where b a^(b-1) is infinite.
        let baseTerm = dx[i] == 0 ? 0 : y[i] * power(x[i], y[i] - 1) * dx[i]
        dOut[i] = exponentIsConstant ? baseTerm : baseTerm + value * Double.log(x[i]) * dy[i]
      }
    }
  }

  // exp' = exp; log' = 1/u; sqrt' = 1/(2 sqrt u); sin' = cos; cos' = -sin;
  // tanh' = 1 - tanh^2; abs' = sign; sigmoid' = s (1 - s); softplus' = sigmoid.
  private static func call(
    _ function: Expression.Function, _ x: UnsafeMutablePointer<Double>, _ dx: UnsafeMutablePointer<Double>,
    _ out: UnsafeMutablePointer<Double>, _ dOut: UnsafeMutablePointer<Double>, _ count: Int
  ) {
    for i in 0..<count {
      let u = x[i]
      let (value, slope): (Double, Double)
      switch function {
      case .exp:
        value = Double.exp(u)
        slope = value
      case .log: (value, slope) = (Double.log(u), 1 / u)
      case .sqrt:
        value = u.squareRoot()
        slope = 0.5 / value
      case .sin: (value, slope) = (Double.sin(u), Double.cos(u))
      case .cos: (value, slope) = (Double.cos(u), -Double.sin(u))
      case .tanh:
        value = Double.tanh(u)
        slope = 1 - value * value
      case .abs: (value, slope) = (Swift.abs(u), u > 0 ? 1 : (u < 0 ? -1 : 0))
      case .sigmoid:
        value = sigmoid(u)
        slope = value * (1 - value)
      case .softplus:
        // max(u, 0) + log(1 + e^-|u|) never overflows.
        value = Swift.max(u, 0) + Double.log(onePlus: Double.exp(-Swift.abs(u)))
        slope = sigmoid(u)
      }
      out[i] = value
      // A constant argument contributes nothing, even where the slope is infinite; a slope
      // that is zero (sigmoid far out) contributes nothing, even where the argument's
      // derivative overflowed (sigmoid(exp(u)) at large u, whose true slope is e^u e^-e^u).
      dOut[i] = dx[i] == 0 || slope == 0 ? 0 : slope * dx[i]
    }
  }

  /// a^b: for a whole b up to 64 in size, by squaring and multiplying (exact for
  /// z^2, fast, and right for a negative base: (-2)^2 = 4); for larger whole b
  /// by the integer power, also right for a negative base; otherwise
  /// exp(b log a), NaN for a negative base.
  @inline(__always)
  static func power(_ a: Double, _ b: Double) -> Double {
    guard b == b.rounded(.towardZero) else { return Double.pow(a, b) }
    guard abs(b) <= 64 else { return abs(b) < 1e18 ? Double.pow(a, Int(b)) : Double.pow(a, b) }
    var exponent = Int(abs(b))
    var (result, square) = (1.0, a)
    while exponent > 0 {
      if exponent & 1 == 1 { result *= square }
      square *= square
      exponent >>= 1
    }
    return b < 0 ? 1 / result : result
  }

  /// 1 / (1 + e^-u), written so that neither branch overflows.
  static func sigmoid(_ u: Double) -> Double {
    if u >= 0 { return 1 / (1 + Double.exp(-u)) }
    let e = Double.exp(u)
    return e / (1 + e)
  }
}
