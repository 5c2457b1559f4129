import RealModule

/// Rounding radii: for each register, a bound r on |value - exact value| and
/// s on |derivative - exact derivative|, where "exact" is f evaluated in real
/// arithmetic on the same doubles (the constants as given, z as drawn).
///
/// This is ball (midpoint-radius) arithmetic, as in van der Hoeven, "Ball
/// arithmetic" (2010) and Johansson's Arb: every register is a ball
/// [v - r, v + r] holding the exact value, and each operation's radius is what
/// its operands' radii can do to it, plus the rounding of the operation itself.
/// That rounding is computed exactly where an error-free transformation exists
/// (Knuth's TwoSum for + and -, Dekker's TwoProduct for * and /, as in Ogita,
/// Rump and Oishi, "Accurate sum and dot product", SISC 2005), so an operation on
/// integers that fits in a double adds nothing; the elementary functions add
/// a bound of a few units in the last place (glibc documents at most a few
/// ulps for exp, log, sin, cos, tanh). The radii are themselves computed in
/// floating point, so they are bounds to within a few parts in 10^16 of
/// themselves; an exponent that is not exact (1/3) is counted to first order.
///
/// What it is for: when f's values are too large for z to show in their
/// rounding (sin(z) + 1e17 is the same double for every z), the radius says
/// so (up to 1 there), and an estimator built on those values can be refused.
extension CompiledExpression {
  /// The workspace's four arrays for one slice, register by register.
  struct Registers {
    let values: UnsafeMutablePointer<Double>
    let derivatives: UnsafeMutablePointer<Double>
    let valueRadii: UnsafeMutablePointer<Double>
    let derivativeRadii: UnsafeMutablePointer<Double>
    let capacity: Int

    func value(_ register: Int) -> UnsafeMutablePointer<Double> { values + register * capacity }
    func derivative(_ register: Int) -> UnsafeMutablePointer<Double> { derivatives + register * capacity }
    func valueRadius(_ register: Int) -> UnsafeMutablePointer<Double> { valueRadii + register * capacity }
    func derivativeRadius(_ register: Int) -> UnsafeMutablePointer<Double> { derivativeRadii + register * capacity }
  }

  /// The unit roundoff of Double, 2^-53.
  static let unitRoundoff = Double.ulpOfOne / 2

  /// Radii of `register`, whose value and derivative are computed, from its operands' radii.
  static func propagateRadii(_ instruction: Instruction, into register: Int, count: Int, _ registers: Registers) {
    let (r, s) = (registers.valueRadius(register), registers.derivativeRadius(register))
    switch instruction {
    case .constant, .z:
      for i in 0..<count {
        r[i] = 0
        s[i] = 0
      }
    case .negate(let a):
      for i in 0..<count {
        r[i] = registers.valueRadius(a)[i]
        s[i] = registers.derivativeRadius(a)[i]
      }
    case .binary(let op, let a, let b, let exponentIsConstant):
      binaryRadii(op, a, b, into: register, count: count, registers, exponentIsConstant: exponentIsConstant)
    case .call(let function, let a):
      callRadii(function, a, into: register, count: count, registers)
    }
    // A radius that could not be bounded (an operand's ball reaches a pole) is infinite.
    for i in 0..<count {
      if r[i].isNaN { r[i] = .infinity }
      if s[i].isNaN { s[i] = .infinity }
    }
  }

  /// a * b for magnitudes, where an exact zero wins over an infinity:
  /// a radius of 0 times an unbounded factor is still 0.
  @inline(__always)
  static func times(_ a: Double, _ b: Double) -> Double { a == 0 || b == 0 ? 0 : a * b }

  /// Radius of the product of the balls (a, ra) and (b, rb), before rounding.
  @inline(__always)
  static func productRadius(_ a: Double, _ ra: Double, _ b: Double, _ rb: Double) -> Double {
    times(abs(a), rb) + times(abs(b), ra) + times(ra, rb)
  }

  /// Radius of the square of the ball (a, r): 2 |a| r + r^2.
  @inline(__always)
  static func squareRadius(_ a: Double, _ r: Double) -> Double { productRadius(a, r, a, r) }

  /// The exact rounding error of a + b = sum (Knuth's TwoSum).
  @inline(__always)
  static func sumError(_ a: Double, _ b: Double, _ sum: Double) -> Double {
    let bVirtual = sum - a
    return abs((a - (sum - bVirtual)) + (b - bVirtual))
  }

  /// The exact rounding error of a * b = product (Dekker's
  /// TwoProduct, which splits each factor into halves of 26 bits whose products
  /// are exact; plain arithmetic, so it vectorises where a call to fma would not).
  /// Beyond |a| or |b| near 1e300 the split overflows, and the error is NaN: unbounded.
  @inline(__always)
  static func productError(_ a: Double, _ b: Double, _ product: Double) -> Double {
    abs(exactProductLow(a, b, product))
  }

  /// a * b - product, exactly, for product = a * b rounded.
  @inline(__always)
  static func exactProductLow(_ a: Double, _ b: Double, _ product: Double) -> Double {
    let (aHigh, aLow) = split(a)
    let (bHigh, bLow) = split(b)
    return ((aHigh * bHigh - product) + aHigh * bLow + aLow * bHigh) + aLow * bLow
  }

  /// Veltkamp's split of a into a high part of 26 bits and the rest.
  @inline(__always)
  static func split(_ a: Double) -> (high: Double, low: Double) {
    let c = 134_217_729 * a  // 2^27 + 1
    let high = c - (c - a)
    return (high, a - high)
  }

  /// The exact rounding error of a / b = quotient, from the remainder a - q b,
  /// which is exact: (a - p) - e for q b = p + e.
  @inline(__always)
  static func quotientError(_ a: Double, _ b: Double, _ quotient: Double) -> Double {
    let product = quotient * b
    return abs(((a - product) - exactProductLow(quotient, b, product)) / b)
  }

  private static func binaryRadii(
    _ op: Expression.Operator, _ a: Int, _ b: Int, into register: Int, count: Int, _ registers: Registers,
    exponentIsConstant: Bool
  ) {
    let (x, dx, rx, sx) = (
      registers.value(a), registers.derivative(a), registers.valueRadius(a), registers.derivativeRadius(a)
    )
    let (y, dy, ry, sy) = (
      registers.value(b), registers.derivative(b), registers.valueRadius(b), registers.derivativeRadius(b)
    )
    let (out, dOut) = (registers.value(register), registers.derivative(register))
    let (r, s) = (registers.valueRadius(register), registers.derivativeRadius(register))
    switch op {
    case .add, .subtract:
      let sign = op == .add ? 1.0 : -1.0
      for i in 0..<count {
        r[i] = rx[i] + ry[i] + sumError(x[i], sign * y[i], out[i])
        s[i] = sx[i] + sy[i] + sumError(dx[i], sign * dy[i], dOut[i])
      }
    case .multiply:
      // (x y)' = x' y + x y', each product and the sum rounded once.
      for i in 0..<count {
        r[i] = productRadius(x[i], rx[i], y[i], ry[i]) + productError(x[i], y[i], out[i])
        let (left, right) = (dx[i] * y[i], x[i] * dy[i])
        s[i] =
          productRadius(dx[i], sx[i], y[i], ry[i]) + productRadius(x[i], rx[i], dy[i], sy[i])
          + productError(dx[i], y[i], left) + productError(x[i], dy[i], right) + sumError(left, right, dOut[i])
      }
    case .divide:
      // |X/Y - x/y| <= (rx + |x/y| ry) / (|y| - ry); the derivative is (x' - (x/y) y') / y,
      // a ball numerator over the same ball denominator.
      let u = unitRoundoff
      for i in 0..<count {
        let gap = abs(y[i]) - ry[i]
        guard gap > 0 else {
          (r[i], s[i]) = (.infinity, .infinity)
          continue
        }
        r[i] = (rx[i] + times(abs(out[i]), ry[i])) / gap + quotientError(x[i], y[i], out[i])
        let numeratorRadius = sx[i] + productRadius(out[i], r[i], dy[i], sy[i])
        s[i] =
          (numeratorRadius + times(abs(dOut[i]), ry[i])) / gap
          + 6 * u * (abs(dx[i]) + abs(out[i] * dy[i])) / abs(y[i])
      }
    case .power where exponentIsConstant && count > 0 && y[0] == 2 && ry[0] == 0:
      // z^2, computed as x x and 2 x x' (see `binary`): |X^2 - x^2| <= 2 |x| r + r^2.
      for i in 0..<count {
        r[i] = squareRadius(x[i], rx[i]) + productError(x[i], x[i], out[i])
        let twice = 2 * x[i]
        s[i] = productRadius(twice, 2 * rx[i], dx[i], sx[i]) + productError(twice, dx[i], dOut[i])
      }
    case .power:
      for i in 0..<count {
        (r[i], s[i]) = powerRadii(
          x[i], dx[i], rx[i], sx[i], y[i], dy[i], ry[i], sy[i], value: out[i], derivative: dOut[i],
          exponentIsConstant: exponentIsConstant)
      }
    }
  }

  /// Radii of x^y and its derivative. The value is `power(x, y)`; the derivative is
  /// y x^(y-1) x' (0 when x' = 0), plus x^y log(x) y' when y depends on z.
  static func powerRadii(
    _ x: Double, _ dx: Double, _ rx: Double, _ sx: Double, _ y: Double, _ dy: Double, _ ry: Double, _ sy: Double,
    value: Double, derivative: Double, exponentIsConstant: Bool
  ) -> (value: Double, derivative: Double) {
    // The base's ball carried through the computation of power(x, y) itself.
    var r = powerBall(x, rx, exponent: y, value: value)
    // y x^(y-1), then times x': the base term of the derivative.
    let powerBelow = dx == 0 && sx == 0 ? 0 : power(x, y - 1)
    let slope = y * powerBelow
    var slopeRadius =
      dx == 0 && sx == 0
      ? 0 : abs(y) * powerBall(x, rx, exponent: y - 1, value: powerBelow) + productError(y, powerBelow, slope)
    let baseTerm = dx == 0 ? 0 : slope * dx
    var s = productRadius(slope, slopeRadius, dx, sx) + productError(slope, dx, baseTerm)
    guard ry > 0 || !exponentIsConstant else { return (r, s) }
    let logBase = Double.log(abs(x))
    if ry > 0 {
      // An exponent that is itself rounded: |X^Y - X^y| <= |X^y| (e^(ry |log X|) - 1), to first order in ry.
      r += times(abs(value) + r, Double.expMinusOne(ry * abs(logBase)))
      let slopeShift = times(abs(powerBelow) * abs(1 + y * logBase), ry)
      slopeRadius += slopeShift
      s += times(slopeShift, abs(dx) + sx)
    }
    guard !exponentIsConstant else { return (r, s) }
    // + x^y log(x) y': a product of three balls, then one more sum.
    let logRadius =
      rx == 0 ? 4 * unitRoundoff * abs(logBase) : rx < abs(x) ? -Double.log(onePlus: -rx / abs(x)) : .infinity
    let valueLog = value * logBase
    let valueLogRadius = productRadius(value, r, logBase, logRadius) + productError(value, logBase, valueLog)
    let exponentTerm = valueLog * dy
    s +=
      productRadius(valueLog, valueLogRadius, dy, sy) + productError(valueLog, dy, exponentTerm)
      + sumError(baseTerm, exponentTerm, derivative)
    return (r, s)
  }

  /// The radius of x^k (k = `exponent`, computed as `value`) when x is known to
  /// within rx, including the rounding of `power` itself. For a whole k up to 64,
  /// `power`'s squarings and products are replayed on balls, each rounding
  /// measured exactly; beyond, and for a fractional k, the spread of t^k over
  /// [|x| - rx, |x| + rx] plus the rounding `pow` documents.
  static func powerBall(_ x: Double, _ rx: Double, exponent k: Double, value: Double) -> Double {
    let u = unitRoundoff
    let whole = k == k.rounded(.towardZero)
    if whole && abs(k) <= 64 {
      var exponent = Int(abs(k))
      var (result, resultRadius) = (1.0, 0.0)
      var (square, squareRadius) = (x, rx)
      while exponent > 0 {
        if exponent & 1 == 1 {
          let product = result * square
          resultRadius =
            productRadius(result, resultRadius, square, squareRadius) + productError(result, square, product)
          result = product
        }
        if exponent > 1 {
          let next = square * square
          squareRadius = Self.squareRadius(square, squareRadius) + productError(square, square, next)
          square = next
        }
        exponent >>= 1
      }
      guard k < 0 else { return resultRadius }
      // 1 / X for X within resultRadius of result.
      let gap = abs(result) - resultRadius
      guard gap > 0 else { return .infinity }
      return resultRadius / (abs(result) * gap) + quotientError(1, result, value)
    }
    let magnitude = abs(x)
    let rounding = whole ? (abs(k) * (1 + abs(Double.log(magnitude))) + 4) * u * abs(value) : 2 * u * abs(value)
    guard rx > 0 else { return rounding }
    if whole && k > 0 {
      // |X^k - x^k| <= (|x| + rx)^k - |x|^k, from the binomial expansion.
      let spread =
        magnitude == 0 ? Double.pow(rx, k) : abs(value) * Double.expMinusOne(k * Double.log(onePlus: rx / magnitude))
      return spread + rounding
    }
    // A fractional power needs X > 0, and a negative one X != 0: the ball must stay clear of 0.
    guard rx < magnitude, whole || x > 0 else { return .infinity }
    let t = rx / magnitude
    let spread = max(
      abs(Double.expMinusOne(k * Double.log(onePlus: t))), abs(Double.expMinusOne(k * Double.log(onePlus: -t))))
    return abs(value) * spread + rounding
  }

  private static func callRadii(
    _ function: Expression.Function, _ a: Int, into register: Int, count: Int, _ registers: Registers
  ) {
    let (x, dx, rx, sx) = (
      registers.value(a), registers.derivative(a), registers.valueRadius(a), registers.derivativeRadius(a)
    )
    let (out, dOut) = (registers.value(register), registers.derivative(register))
    let (r, s) = (registers.valueRadius(register), registers.derivativeRadius(register))
    let u = unitRoundoff
    for i in 0..<count {
      let (argument, radius, value) = (x[i], rx[i], out[i])
      // The value's radius, and the slope g'(argument) as computed with its radius.
      let valueRadius: Double
      let (slope, slopeRadius): (Double, Double)
      switch function {
      case .exp:
        // e^(a +- r) - e^a <= e^a (e^r - 1).
        valueRadius = abs(value) * Double.expMinusOne(radius) + 2 * u * abs(value)
        (slope, slopeRadius) = (value, valueRadius)
      case .log:
        slope = 1 / argument
        if radius < argument {
          valueRadius = -Double.log(onePlus: -radius / argument) + 2 * u * abs(value)
          slopeRadius = radius / (argument * (argument - radius)) + quotientError(1, argument, slope)
        } else {
          (valueRadius, slopeRadius) = (.infinity, .infinity)
        }
      case .sqrt:
        // |sqrt(A) - sqrt(a)| = |A - a| / (sqrt A + sqrt a) <= min(r / sqrt a, sqrt r).
        valueRadius = (value > 0 ? min(radius / value, radius.squareRoot()) : radius.squareRoot()) + u * value
        slope = 0.5 / value
        slopeRadius =
          radius == 0
          ? 2 * u * abs(slope)
          : radius < argument ? 0.5 / (argument - radius).squareRoot() - slope + 2 * u * abs(slope) : .infinity
      case .sin, .cos:
        // Both, and their derivatives, move by at most r (and at most 2).
        valueRadius = min(2, radius) + 2 * u * abs(value)
        slope = function == .sin ? Double.cos(argument) : -Double.sin(argument)
        slopeRadius = min(2, radius) + 2 * u * abs(slope)
      case .tanh:
        // tanh' = sech^2 moves by at most 4 / (3 sqrt 3) < 0.77 per unit of the argument.
        valueRadius = min(2, radius) + 4 * u * abs(value)
        slope = 1 - value * value
        slopeRadius = min(1, 0.77 * radius) + 8 * u * value * value + 2 * u
      case .abs:
        valueRadius = radius
        slope = argument > 0 ? 1 : (argument < 0 ? -1 : 0)
        // The sign can change only where the ball reaches 0.
        slopeRadius = radius > 0 && radius >= abs(argument) ? 2 : 0
      case .sigmoid:
        // sigmoid' <= 1/4; sigmoid'' <= 1 / (6 sqrt 3) < 0.0963.
        valueRadius = min(1, radius / 4) + 4 * u * abs(value)
        slope = value * (1 - value)
        slopeRadius = min(0.25, 0.0963 * radius) + 4 * u * abs(value) + 2 * u * abs(slope)
      case .softplus:
        valueRadius = radius + 4 * u * abs(value)
        slope = sigmoid(argument)
        slopeRadius = min(1, radius / 4) + 4 * u * abs(slope)
      }
      r[i] = valueRadius
      // The derivative is slope * x', or exactly 0 when x' is 0 or the slope is 0 (see `call`).
      let productRounding = dOut[i] == 0 ? 0 : productError(slope, dx[i], dOut[i])
      s[i] = dx[i] == 0 && sx[i] == 0 ? 0 : productRadius(slope, slopeRadius, dx[i], sx[i]) + productRounding
    }
  }
}
