import Probability

/// A fully connected layer, y = x W^T + b, with PyTorch's layout (W is
/// outputs x inputs) and PyTorch's default initialisation: weights and biases
/// uniform on +-1/sqrt(inputs) (kaiming_uniform with a = sqrt 5, as in
/// torch.nn.Linear.reset_parameters).
public final class Linear<S: BLASScalar> {
  public let inputs: Int
  public let outputs: Int
  public var weight: [S]
  public var bias: [S]
  public var weightGradient: [S]
  public var biasGradient: [S]

  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public init(inputs: Int, outputs: Int, generator: inout Xoshiro256StarStar) {
    self.inputs = inputs
    self.outputs = outputs
    let bound = 1 / Double(inputs).squareRoot()
    weight = (0..<(inputs * outputs)).map { _ in S(bound * (2 * generator.nextUniform() - 1)) }
    bias = (0..<outputs).map { _ in S(bound * (2 * generator.nextUniform() - 1)) }
    weightGradient = Array(repeating: 0, count: inputs * outputs)
    biasGradient = Array(repeating: 0, count: outputs)
  }

  /// Forward: y = x W^T + b for `batch` rows of x.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func forward(_ x: UnsafePointer<S>, batch: Int, into y: UnsafeMutablePointer<S>, backend: MatrixBackend) {
    bias.withUnsafeBufferPointer { b in
      guard let b = b.baseAddress else { return }
      for row in 0..<batch { (y + row * outputs).update(from: b, count: outputs) }
    }
    weight.withUnsafeBufferPointer { w in
      guard let w = w.baseAddress else { return }
      backend.gemm(
        transposeB: true, m: batch, n: outputs, k: inputs, a: x, lda: inputs, b: w, ldb: inputs, beta: 1, c: y,
        ldc: outputs)
    }
  }

  /// Backward: dW = dy^T x, db = sum over rows of dy, and, when asked, dx = dy W.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func backward(
    input x: UnsafePointer<S>, outputGradient dy: UnsafePointer<S>, batch: Int,
    inputGradient dx: UnsafeMutablePointer<S>?, backend: MatrixBackend
  ) {
    weightGradient.withUnsafeMutableBufferPointer { dw in
      guard let dw = dw.baseAddress else { return }
      backend.gemm(
        transposeA: true, m: outputs, n: inputs, k: batch, a: dy, lda: outputs, b: x, ldb: inputs, c: dw, ldc: inputs)
    }
    biasGradient.withUnsafeMutableBufferPointer { [outputs] db in
      for j in 0..<outputs { db[j] = 0 }
      for row in 0..<batch {
        let dyRow = dy + row * outputs
        for j in 0..<outputs { db[j] += dyRow[j] }
      }
    }
    guard let dx else { return }
    weight.withUnsafeBufferPointer { w in
      guard let w = w.baseAddress else { return }
      backend.gemm(m: batch, n: inputs, k: outputs, a: dy, lda: outputs, b: w, ldb: inputs, c: dx, ldc: inputs)
    }
  }
}
