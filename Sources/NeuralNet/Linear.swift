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

  /// A layer with PyTorch's initialisation, drawn from `generator`.
  public convenience init(inputs: Int, outputs: Int, generator: inout Xoshiro256StarStar) {
    self.init(inputs: inputs, outputs: outputs, generator: &generator, checkpoint: { () throws(Never) in })
  }

  /// The same layer, made in chunks with `shouldStop` asked before each (a
  /// layer of a wide input takes seconds): Interrupted when it says stop.
  public convenience init(
    inputs: Int, outputs: Int, generator: inout Xoshiro256StarStar, shouldStop: () -> Bool
  ) throws(Interrupted) {
    try self.init(
      inputs: inputs, outputs: outputs, generator: &generator,
      checkpoint: { () throws(Interrupted) in if shouldStop() { throw Interrupted() } })
  }

  /// The weights, then the biases, drawn from `generator` in that order (the
  /// same draws for the same seed, whether or not anyone asks to stop), with
  /// `checkpoint` called before every `chunk` values.
  init<E: Error>(
    inputs: Int, outputs: Int, generator: inout Xoshiro256StarStar, checkpoint: () throws(E) -> Void
  ) throws(E) {
    self.inputs = inputs
    self.outputs = outputs
    let bound = 1 / Double(inputs).squareRoot()
    weight = try Self.uniform(inputs * outputs, bound: bound, generator: &generator, checkpoint: checkpoint)
    bias = try Self.uniform(outputs, bound: bound, generator: &generator, checkpoint: checkpoint)
    weightGradient = Array(repeating: 0, count: inputs * outputs)
    biasGradient = Array(repeating: 0, count: outputs)
  }

  /// Values drawn between initialisation's questions: about 10 ms of work.
  static var chunk: Int { 1 << 20 }

  /// `count` values uniform on +-bound, `checkpoint` called before each chunk.
  static func uniform<E: Error>(
    _ count: Int, bound: Double, generator: inout Xoshiro256StarStar, checkpoint: () throws(E) -> Void
  ) throws(E) -> [S] {
    var values: [S] = []
    values.reserveCapacity(count)
    while values.count < count {
      try checkpoint()
      appendUniform(to: &values, count: min(chunk, count - values.count), bound: bound, generator: &generator)
    }
    return values
  }

  /// The loop of `uniform`, specialised for vae new's weights (Float) and gradcheck's copy (Double):
  /// VAE.init and `uniform` (generic in its error) stay generic.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  static func appendUniform(to values: inout [S], count: Int, bound: Double, generator: inout Xoshiro256StarStar) {
    for _ in 0..<count { values.append(S(bound * (2 * generator.nextUniform() - 1))) }
  }

  /// Forward: y = x W^T + b for `batch` rows of x.
  /// Specialised: every layer's product in each pass, of training and evaluation (Float) and gradcheck (Double).
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
  /// Specialised: every layer's gradients in each training step (Float) and in gradcheck (Double).
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
