/// The element-wise nonlinearity after each hidden layer, forward and backward
/// side by side. Each derivative is written in terms of the output y, which
/// is all the backward pass keeps:
///
///     relu:    y = max(x, 0)             dy/dx = 1 if y > 0, else 0
///     tanh:    y = tanh x                dy/dx = 1 - y^2
///     sigmoid: y = 1 / (1 + exp(-x))     dy/dx = y (1 - y)
///
/// ReLU is pytorch/examples' choice; tanh and sigmoid are the classic
/// alternatives (Kingma and Welling, 2014, used tanh). Both saturate for large
/// |x|, where their slopes vanish, and sigmoid's slope is at most 1/4.
public enum Activation: String, Codable, Sendable, CaseIterable {
  case relu
  case tanh
  case sigmoid

  /// Replaces each of the `count` values at `x` with its activation.
  /// Specialised: each hidden layer of every pass (Float; Double in gradcheck), called from other files.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  func forward<S: BLASScalar>(_ x: UnsafeMutablePointer<S>, count: Int) {
    switch self {
    case .relu:
      // max keeps NaN (NaN > 0 is false), so a broken step is still caught; the loop vectorises.
      for i in 0..<count { x[i] = max(x[i], 0) }
    case .tanh:
      for i in 0..<count { x[i] = S.tanh(x[i]) }
    case .sigmoid:
      // exp(-x) overflows to infinity for x below about -88 (Float), giving exactly 0.
      for i in 0..<count { x[i] = 1 / (1 + S.exp(-x[i])) }
    }
  }

  /// Multiplies each of the `count` gradients dL/dy at `gradient` by dy/dx,
  /// computed from the outputs y at `output`, leaving dL/dx.
  /// Specialised: each hidden layer of every backward pass (Float; Double in gradcheck), called from other files.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  func backward<S: BLASScalar>(_ gradient: UnsafeMutablePointer<S>, output: UnsafePointer<S>, count: Int) {
    switch self {
    case .relu:
      // A product, not a select: LLVM turns `y > 0 ? g : 0` into a conditional
      // store, which stays scalar and branchy on x86-64's baseline.
      for i in 0..<count { gradient[i] *= output[i] > 0 ? 1 : 0 }
    case .tanh:
      for i in 0..<count { gradient[i] *= 1 - output[i] * output[i] }
    case .sigmoid:
      for i in 0..<count { gradient[i] *= output[i] * (1 - output[i]) }
    }
  }
}
