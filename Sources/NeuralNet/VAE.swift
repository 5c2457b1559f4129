import Probability

/// The variational autoencoder of pytorch/examples (vae/main.py), generalised,
/// in one file: encoder D-H1-...-Hk-(mu, logvar) with ReLU (or another
/// `Activation`) after each hidden layer, decoder L-Hk-...-H1-D mirroring it,
/// and per example
///
///     loss = reconstruction + beta * KL(q(z|x) || N(0, I)),
///
/// both summed over dimensions, with one reparameterised sample
/// z = mu + exp(logvar / 2) * eps (Kingma and Welling, ICLR 2014). The training
/// step minimises the batch mean of the per-example loss. With one hidden layer
/// the layer names are pytorch/examples': fc1 (D-H), fc21 (mu), fc22 (logvar),
/// fc3 (L-H), fc4 (H-D); with more, encoder.i and decoder.i replace fc1 and fc3.
/// `kind: .autoencoder` is the plain deterministic autoencoder with the same
/// layers: z = mu, no fc22, no KL.
public final class VAE<S: BLASScalar> {
  public let configuration: VAEConfiguration
  /// The encoder's hidden layers, D-H1, H1-H2, ...
  public let encoder: [Linear<S>]
  public let fc21: Linear<S>, fc22: Linear<S>
  /// The decoder's hidden layers, L-Hk, Hk-H(k-1), ...
  public let decoder: [Linear<S>]
  public let fc4: Linear<S>
  public var backend: MatrixBackend = .blas
  /// How training's backward pass carries the reconstruction term's gradient
  /// to mu and logvar: backpropagation through the reparameterisation (the
  /// default, and what the ELBO's authors use), or the score function, with or
  /// without a leave-one-out baseline over the batch. The decoder's gradient is
  /// the same for all.
  public var estimator: LatentGradientEstimator = .pathwise
  /// The KL schedule's weight for the next step (`KLSchedule`), set by the
  /// trainer; the KL term's weight is beta times it.
  public var klWeight: Double = 1
  /// Each latent dimension's KL summed over the last forward pass's batch,
  /// for free bits.
  private var klPerDimension: [Double]

  /// Activations and gradients for one batch size, reused from step to step.
  private var buffers: Buffers

  /// A fresh model of `configuration`, its weights drawn from `generator`.
  public convenience init(_ configuration: VAEConfiguration, generator: inout Xoshiro256StarStar) {
    self.init(configuration, generator: &generator, checkpoint: { () throws(Never) in })
  }

  /// The same model, asking `shouldStop` before each layer and every million
  /// values within one: a large network takes seconds to make, and Ctrl-C must
  /// stop it. Interrupted when it says stop; nothing is kept, and the caller's
  /// generator has advanced (a caller that keeps its state passes a copy).
  public convenience init(
    _ configuration: VAEConfiguration, generator: inout Xoshiro256StarStar, shouldStop: () -> Bool
  ) throws(Interrupted) {
    try self.init(
      configuration, generator: &generator,
      checkpoint: { () throws(Interrupted) in if shouldStop() { throw Interrupted() } })
  }

  /// The layers in a fixed order, each drawn from `generator` in turn (the
  /// same weights for the same seed), with `checkpoint` called before each
  /// layer and within large ones.
  init<E: Error>(
    _ configuration: VAEConfiguration, generator: inout Xoshiro256StarStar, checkpoint: () throws(E) -> Void
  ) throws(E) {
    self.configuration = configuration
    let (d, hidden, l) = (configuration.inputs, configuration.hidden, configuration.latent)
    func layer(_ inputs: Int, _ outputs: Int) throws(E) -> Linear<S> {
      try checkpoint()
      return try Linear(inputs: inputs, outputs: outputs, generator: &generator, checkpoint: checkpoint)
    }
    var encoder: [Linear<S>] = []
    for (index, size) in hidden.enumerated() {
      encoder.append(try layer(index == 0 ? d : hidden[index - 1], size))
    }
    self.encoder = encoder
    let top = hidden.last ?? d
    fc21 = try layer(top, l)
    fc22 = try layer(top, l)
    let mirrored = Array(hidden.reversed())
    var decoder: [Linear<S>] = []
    for (index, size) in mirrored.enumerated() {
      decoder.append(try layer(index == 0 ? l : mirrored[index - 1], size))
    }
    self.decoder = decoder
    fc4 = try layer(mirrored.last ?? l, d)
    try checkpoint()
    buffers = Buffers(configuration, batch: 0)
    klPerDimension = [Double](repeating: 0, count: l)
  }

  /// The first encoder and decoder layers, pytorch/examples' fc1 and fc3.
  public var fc1: Linear<S> { encoder[0] }
  public var fc3: Linear<S> { decoder[0] }

  /// The encoder's layers with their names: the hidden layers, fc21 and (for a VAE) fc22.
  public var encoderLayers: ArraySlice<(name: String, layer: Linear<S>)> {
    layers.prefix(encoder.count + (configuration.kind == .vae ? 2 : 1))
  }

  /// The trainable layers with their names (no fc22 in an autoencoder), in a fixed order.
  public var layers: [(name: String, layer: Linear<S>)] {
    let single = encoder.count == 1
    var all = encoder.enumerated().map { (single ? "fc1" : "encoder.\($0.offset)", $0.element) }
    all += [("fc21", fc21)] + (configuration.kind == .vae ? [("fc22", fc22)] : [])
    all += decoder.enumerated().map { (single ? "fc3" : "decoder.\($0.offset)", $0.element) }
    return all + [("fc4", fc4)]
  }

  public var parameterCount: Int { layers.reduce(0) { $0 + $1.layer.weight.count + $1.layer.bias.count } }

  /// Forward and backward for a batch: the losses, with every layer's gradient
  /// of the batch-mean loss left in the layers. `x` holds `batch` rows of D
  /// values; `noise` holds batch x L standard normals (unused by an autoencoder).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func lossAndGradients(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) -> Losses {
    let losses = forward(x, batch: batch, noise: noise)
    backward(x, batch: batch, noise: noise)
    return losses
  }

  /// The forward pass alone, leaving activations for `backward`.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  @discardableResult
  public func forward(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) -> Losses {
    let b = prepare(batch)
    let (d, l) = (configuration.inputs, configuration.latent)
    // Encoder: h = activation(layer(h)) through the hidden layers; mu = fc21(h); logvar = fc22(h).
    let top = run(encoder, from: x, activations: b.encoder, batch: batch)
    fc21.forward(top, batch: batch, into: b.mu, backend: backend)
    var kl = 0.0
    if configuration.kind == .vae {
      fc22.forward(top, batch: batch, into: b.logvar, backend: backend)
      // The reparameterisation (Kingma and Welling 2014, section 2.4): z = mu + sigma * eps with
      // sigma = exp(logvar / 2), so z is a differentiable function of mu and logvar; its
      // backward is the loop marked "reparameterisation's backward" in `backward`.
      // KL(N(mu, sigma^2) || N(0, 1)) = 0.5 * (sigma^2 + mu^2 - 1 - logvar) per dimension, the
      // formula of GaussianKL.divergence, written here in S (Float in training) because it
      // reuses sigma from the line above inside the same loop; GaussianKL's double-precision
      // form is what `vae show` reports and the tests compare it with (EvaluationTests).
      for j in 0..<l { klPerDimension[j] = 0 }
      for i in 0..<(batch * l) {
        let (mu, logvar) = (b.mu[i], b.logvar[i])
        let std = S.exp(logvar / 2)
        b.std[i] = std
        b.z[i] = mu + std * noise[i]
        klPerDimension[i % l] += 0.5 * Double(std * std + mu * mu - 1 - logvar)
      }
      kl = klPerDimension.reduce(0, +)
    } else {
      b.z.update(from: b.mu, count: batch * l)
    }
    // Decoder: the mirrored hidden layers, then output = fc4(h) (logits for Bernoulli, the mean for Gaussian).
    let last = run(decoder, from: b.z, activations: b.decoder, batch: batch)
    fc4.forward(last, batch: batch, into: b.output, backend: backend)
    // The loss, and its gradient for the backward pass from the same exponentials.
    let reconstruction = configuration.likelihood.negativeLogLikelihood(
      output: b.output, target: x, count: batch * d, variance: S(configuration.variance), scale: 1 / S(batch),
      gradient: b.outputGradient)
    if estimator != .pathwise && configuration.kind == .vae {
      // The score function needs each example's f(z) = -log p(x|z).
      for row in 0..<batch {
        b.rowLoss[row] = S(
          -configuration.likelihood.logDensity(
            output: b.output + row * d, target: x + row * d, count: d, variance: configuration.variance))
      }
    }
    let penalised =
      configuration.freeBits > 0
      ? klPerDimension.reduce(0) { $0 + max(configuration.freeBits, $1 / Double(batch)) } : kl / Double(batch)
    return Losses(
      reconstruction: reconstruction / Double(batch), kl: kl / Double(batch), beta: configuration.beta * klWeight,
      penalisedKL: penalised)
  }

  /// The backward pass of the batch-mean loss, after `forward` on the same batch.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func backward(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) {
    let l = configuration.latent
    let b = buffers
    let scale = 1 / S(batch)
    let beta = S(configuration.beta * klWeight)
    // b.outputGradient holds d loss / d output, from `forward`.
    decoderBackward(batch: batch)
    guard configuration.kind == .vae else {
      b.muGradient.update(from: b.zGradient, count: batch * l)
      encoderBackward(x, batch: batch)
      return
    }
    // The reparameterisation's backward (its forward is in `forward`), or the score function
    // (LatentGradientEstimator states both): z = mu + sigma * eps gives dz/dmu = 1 and
    // dz/dlogvar = eps * sigma / 2. The KL term, 0.5 * (sigma^2 + mu^2 - 1 - logvar), adds
    // beta * mu and beta * (sigma^2 - 1) / 2 (each scaled by 1 / batch for the batch mean);
    // with free bits, nothing in a dimension whose batch-mean KL is below them, where
    // max(free bits, KL_j) is flat.
    var total: S = 0
    if estimator == .scoreWithBaseline { for row in 0..<batch { total += b.rowLoss[row] } }
    for row in 0..<batch {
      var value: S = 0
      if estimator != .pathwise {
        let baseline =
          estimator == .scoreWithBaseline
          ? LatentGradientEstimator.leaveOneOutMean(excluding: b.rowLoss[row], total: total, count: batch) : 0
        value = (b.rowLoss[row] - baseline) * scale
      }
      for i in (row * l)..<((row + 1) * l) {
        let (mu, logvar) = estimator.reconstructionGradient(
          value: value, slope: b.zGradient[i], noise: noise[i], sigma: b.std[i])
        let weight = klPerDimension[i % l] / Double(batch) < configuration.freeBits ? 0 : beta * scale
        b.muGradient[i] = mu + weight * b.mu[i]
        b.logvarGradient[i] = logvar + weight * (b.std[i] * b.std[i] - 1) / 2
      }
    }
    encoderBackward(x, batch: batch)
  }

  /// Backward through fc4 and the decoder's hidden layers, from d loss / d output
  /// in b.outputGradient to d loss / dz in b.zGradient.
  private func decoderBackward(batch: Int) {
    let b = buffers
    let decoderTop = UnsafePointer(b.decoder.last?.activation ?? b.z)
    fc4.backward(
      input: decoderTop, outputGradient: b.outputGradient, batch: batch,
      inputGradient: b.decoder.last?.gradient ?? b.zGradient, backend: backend)
    runBackward(decoder, from: b.z, activations: b.decoder, inputGradient: b.zGradient, batch: batch)
  }

  /// Backward through fc21 (and fc22) and the encoder's hidden layers, from the
  /// gradients in b.muGradient (and b.logvarGradient), leaving each encoder
  /// layer's gradient in the layer. The encoder's activations for x must be in
  /// the buffers (from `forward` or `withEncoder`).
  private func encoderBackward(_ x: UnsafePointer<S>, batch: Int) {
    let b = buffers
    let encoderTop = UnsafePointer(b.encoder.last?.activation ?? UnsafeMutablePointer(mutating: x))
    let topGradient = b.encoder.last?.gradient
    fc21.backward(
      input: encoderTop, outputGradient: b.muGradient, batch: batch, inputGradient: topGradient, backend: backend)
    if configuration.kind == .vae {
      fc22.backward(
        input: encoderTop, outputGradient: b.logvarGradient, batch: batch, inputGradient: b.topGradientPart,
        backend: backend)
      if let topGradient, let width = configuration.hidden.last {
        for i in 0..<(batch * width) { topGradient[i] += b.topGradientPart[i] }
      }
    }
    runBackward(encoder, from: x, activations: b.encoder, inputGradient: nil, batch: batch)
  }

  /// f(z) = -log p(x|z) (in double precision, as `logLikelihood`) and its
  /// slope df/dz, for `batch` rows of x (batch x D) and z (batch x L): what
  /// each estimator of the encoder's gradient reads. Leaves the decoder's own
  /// gradients (of the summed f) in its layers.
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

  /// Runs `layers` with the activation after each, from `input`; returns the last activation.
  private func run(
    _ layers: [Linear<S>], from input: UnsafePointer<S>, activations: [Buffers.Layer], batch: Int
  ) -> UnsafePointer<S> {
    var current = input
    for (layer, buffer) in zip(layers, activations) {
      layer.forward(current, batch: batch, into: buffer.activation, backend: backend)
      configuration.activation.forward(buffer.activation, count: batch * layer.outputs)
      current = UnsafePointer(buffer.activation)
    }
    return current
  }

  /// Backward through `layers` (each followed by the activation), whose top gradient is
  /// already in the last buffer; leaves the input's gradient in `inputGradient`.
  private func runBackward(
    _ layers: [Linear<S>], from input: UnsafePointer<S>, activations: [Buffers.Layer],
    inputGradient: UnsafeMutablePointer<S>?, batch: Int
  ) {
    for index in layers.indices.reversed() {
      let buffer = activations[index]
      configuration.activation.backward(
        buffer.gradient, output: buffer.activation, count: batch * layers[index].outputs)
      layers[index].backward(
        input: index == 0 ? input : UnsafePointer(activations[index - 1].activation), outputGradient: buffer.gradient,
        batch: batch, inputGradient: index == 0 ? inputGradient : activations[index - 1].gradient, backend: backend)
    }
  }

  private func prepare(_ batch: Int) -> Buffers {
    if buffers.batch != batch { buffers = Buffers(configuration, batch: batch) }
    return buffers
  }

  /// The encoder's mean and log-variance for `batch` rows of x (logvar is 0 for an autoencoder).
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

  /// One allocation per batch size; freed when the batch size changes or the model goes.
  final class Buffers {
    /// A hidden layer's activation and the gradient with respect to it.
    struct Layer {
      let activation: UnsafeMutablePointer<S>
      let gradient: UnsafeMutablePointer<S>
    }

    let batch: Int
    let storage: UnsafeMutablePointer<S>
    let encoder: [Layer]
    let decoder: [Layer]
    let mu, logvar, std, z, output: UnsafeMutablePointer<S>
    /// Each example's f(z) = -log p(x|z), for the score function.
    let rowLoss: UnsafeMutablePointer<S>
    let outputGradient, zGradient, muGradient, logvarGradient, topGradientPart: UnsafeMutablePointer<S>

    init(_ c: VAEConfiguration, batch: Int) {
      self.batch = batch
      let (d, l) = (c.inputs * batch, c.latent * batch)
      let widths = c.hidden.map { $0 * batch }
      let fixed = [l, l, l, l, d, batch, d, l, l, l, (widths.last ?? 0)]
      let total = max(1, fixed.reduce(0, +) + 4 * widths.reduce(0, +))
      let base = UnsafeMutablePointer<S>.allocate(capacity: total)
      base.initialize(repeating: 0, count: total)
      storage = base
      var offset = 0
      func take(_ size: Int) -> UnsafeMutablePointer<S> {
        defer { offset += size }
        return base + offset
      }
      (mu, logvar, std, z, output, rowLoss) = (take(l), take(l), take(l), take(l), take(d), take(batch))
      (outputGradient, zGradient, muGradient, logvarGradient) = (take(d), take(l), take(l), take(l))
      topGradientPart = take(widths.last ?? 0)
      encoder = widths.map { Layer(activation: take($0), gradient: take($0)) }
      decoder = widths.reversed().map { Layer(activation: take($0), gradient: take($0)) }
    }

    deinit { storage.deallocate() }
  }
}
