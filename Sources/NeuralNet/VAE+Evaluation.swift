/// The model used piece by piece after training: encoding, decoding, the
/// likelihood at given latent points, and the encoder's gradient for studies of
/// its estimators.
extension VAE {
  /// f(z) = -log p(x|z) (in double precision, as `logLikelihood`) and its
  /// slope df/dz, for `batch` rows of x (batch x D) and z (batch x L): what
  /// each estimator of the encoder's gradient reads. Leaves the decoder's own
  /// gradients (of the summed f) in its layers.
  /// Specialised: vae estimators' draws, from EncoderGradientStudy's generic init (Float; Double in tests).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func reconstructionLoss(
    _ x: UnsafePointer<S>, at z: UnsafePointer<S>, batch: Int, losses: UnsafeMutablePointer<Double>,
    slopes: UnsafeMutablePointer<S>
  ) {
    let b = prepare(batch)
    let (d, l) = (configuration.inputs, configuration.latent)
    b.z.update(from: z, count: batch * l)
    let last = run(decoder, from: b.z, activations: b.decoder, batch: batch)
    fc4.forward(last, batch: batch, into: b.output, backend: backend)
    _ = configuration.likelihood.negativeLogLikelihood(
      output: b.output, target: x, count: batch * d, variance: S(configuration.variance), scale: 1,
      gradient: b.outputGradient)
    for row in 0..<batch {
      losses[row] = -configuration.likelihood.logDensity(
        output: b.output + row * d, target: x + row * d, count: d, variance: configuration.variance)
    }
    decoderBackward(batch: batch)
    slopes.update(from: b.zGradient, count: batch * l)
  }

  /// Runs the encoder on `batch` rows of x, then `body`, which may call the
  /// function it is given any number of times: each call backpropagates
  /// gradients with respect to mu and logvar (batch x L each) through the
  /// encoder and leaves the encoder layers' gradients in `encoderLayers`.
  /// `body` must not run the model on other inputs.
  public func withEncoder<R>(
    _ x: UnsafePointer<S>, batch: Int,
    _ body: (_ backward: (_ muGradient: UnsafePointer<S>, _ logvarGradient: UnsafePointer<S>) -> Void) throws -> R
  ) rethrows -> R {
    let b = prepare(batch)
    let l = configuration.latent
    _ = run(encoder, from: x, activations: b.encoder, batch: batch)
    return try body { muGradient, logvarGradient in
      b.muGradient.update(from: muGradient, count: batch * l)
      b.logvarGradient.update(from: logvarGradient, count: batch * l)
      encoderBackward(x, batch: batch)
    }
  }

  /// The encoder's mean and log-variance for `batch` rows of x (logvar is 0 for an autoencoder).
  /// Specialised: every encoding, through the generic `encode(_:)` on arrays (Float from Lab; Double in tests).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func encode(_ x: UnsafePointer<S>, batch: Int) -> (mu: [S], logvar: [S]) {
    let b = prepare(batch)
    let l = configuration.latent
    let top = run(encoder, from: x, activations: b.encoder, batch: batch)
    fc21.forward(top, batch: batch, into: b.mu, backend: backend)
    let mu = Array(UnsafeBufferPointer(start: b.mu, count: batch * l))
    guard configuration.kind == .vae else { return (mu, Array(repeating: 0, count: batch * l)) }
    fc22.forward(top, batch: batch, into: b.logvar, backend: backend)
    return (mu, Array(UnsafeBufferPointer(start: b.logvar, count: batch * l)))
  }

  /// The decoder's mean output for `batch` rows of z: sigmoid(logits) for Bernoulli.
  /// Specialised: every decoding, through the generic `decode(_:)` on arrays (Float from Lab; Double in tests).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func decode(_ z: UnsafePointer<S>, batch: Int) -> [S] {
    let b = prepare(batch)
    let last = run(decoder, from: z, activations: b.decoder, batch: batch)
    fc4.forward(last, batch: batch, into: b.output, backend: backend)
    let output = UnsafeBufferPointer(start: b.output, count: batch * configuration.inputs)
    return configuration.likelihood == .bernoulli ? output.map { 1 / (1 + S.exp(-$0)) } : Array(output)
  }

  /// log p(x|z) for one example x (D values) at `batch` latent points z, in
  /// double precision: the decoder's outputs and `Likelihood.logDensity`.
  /// Specialised: every point of vae bound's and density's quadrature grids (Float; Double in tests).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func logLikelihood(of x: UnsafePointer<S>, at z: UnsafePointer<S>, batch: Int) -> [Double] {
    let b = prepare(batch)
    let last = run(decoder, from: z, activations: b.decoder, batch: batch)
    fc4.forward(last, batch: batch, into: b.output, backend: backend)
    let d = configuration.inputs
    return (0..<batch).map { row in
      configuration.likelihood.logDensity(
        output: b.output + row * d, target: x, count: d, variance: configuration.variance)
    }
  }
}
